#include "packs/catalog.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace fixtray {

namespace fs = std::filesystem;

bool is_diagnostics_set_file(const std::string& path) {
    return path.size() >= 9 && path.compare(path.size() - 9, 9, ".diag.xml") == 0;
}

Result<std::vector<std::string>> pack_files_under(const std::string& path) {
    std::vector<std::string> files;
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return Status::error("no such file or directory");
    if (!fs::is_directory(st)) {
        files.push_back(path);
        return files;
    }
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto& entry = *it;
        std::error_code fec;
        // The feed's announcements.xml at the top of a pack folder is not a pack
        // (feed/feed_announcement.h: `fixctl feed build` reads it).
        if (it.depth() == 0 && entry.path().filename() == "announcements.xml") continue;
        if (entry.is_regular_file(fec) && !entry.is_symlink(fec) &&
            entry.path().extension() == ".xml" && !is_diagnostics_set_file(entry.path().string()))
            files.push_back(entry.path().string());
    }
    if (ec) return Status::error(ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<PackProblem> Catalog::add_file(const std::string& path, bool keep_steps,
                                           const std::string& expected_sha256) {
    PackLoadLimits limits;
    // Always: what MachineCatalog::full_pack checks the pack against, what the caller expects,
    // and what a run record names (the exact content that ran, RunRecord::pack_sha256).
    limits.sha256 = true;
    PackLoadResult result = load_pack_file(path, limits);
    if (result.pack && !expected_sha256.empty() && result.pack->sha256 != expected_sha256) {
        PackProblem p;
        p.where.file = path;
        p.message =
            "its SHA-256 is not the one its signed feed index lists (changed on this "
            "machine after it was installed): left out";
        result.problems.push_back(std::move(p));
        return std::move(result.problems);
    }
    if (result.pack) {
        if (!keep_steps) drop_steps(result.pack->fixes);
        add_pack(std::move(*result.pack));
    }
    return std::move(result.problems);
}

void Catalog::drop_steps(std::vector<Fix>& fixes) {
    for (Fix& fix : fixes) {
        if (fix.steps_dropped) continue;
        fix.dropped_steps_need_admin = fix.needs_admin();
        fix.steps_dropped = true;
        for (std::vector<Step>* phase : {&fix.check, &fix.steps, &fix.verify, &fix.revert})
            std::vector<Step>().swap(*phase);
    }
}

void Catalog::drop_steps() {
    for (FixPack& pack : packs_) drop_steps(pack.fixes);
}

void Catalog::drop_listing_texts(const std::function<void(const FixPack&, Fix&)>& hand_over) {
    for (FixPack& pack : packs_)
        for (Fix& fix : pack.fixes) {
            if (hand_over) hand_over(pack, fix);
            fix.description = LocalizedText();
            std::vector<std::string>().swap(fix.keywords);
            fix.listing_texts_dropped = true;
        }
}

std::vector<PackProblem> Catalog::add_directory(const std::string& dir) {
    std::vector<PackProblem> problems;
    const Result<std::vector<std::string>> files = pack_files_under(dir);
    if (!files) {
        PackProblem p;
        p.where.file = dir;
        p.message = files.message();
        problems.push_back(std::move(p));
        return problems;
    }
    for (const auto& f : *files) {
        auto more = add_file(f);
        problems.insert(problems.end(), std::make_move_iterator(more.begin()),
                        std::make_move_iterator(more.end()));
    }
    return problems;
}

void Catalog::add_pack(FixPack pack) {
    packs_.push_back(std::move(pack));
}

void Catalog::remove(const std::vector<std::string>& pack_ids,
                     const std::vector<std::string>& fix_ids) {
    auto listed = [](const std::vector<std::string>& ids, const std::string& id) {
        return std::find(ids.begin(), ids.end(), id) != ids.end();
    };
    std::deque<FixPack> kept;
    for (auto& pack : packs_) {
        if (listed(pack_ids, pack.id)) continue;
        std::erase_if(pack.fixes, [&](const Fix& f) { return listed(fix_ids, f.id); });
        if (!pack.fixes.empty()) kept.push_back(std::move(pack));
    }
    packs_ = std::move(kept);
}

void Catalog::remove_fixes(const std::function<bool(const FixPack&, const Fix&)>& drop) {
    std::deque<FixPack> kept;
    for (auto& pack : packs_) {
        std::erase_if(pack.fixes, [&](const Fix& f) { return drop(pack, f); });
        if (!pack.fixes.empty()) kept.push_back(std::move(pack));
    }
    packs_ = std::move(kept);
}

std::vector<CatalogEntry> Catalog::fixes(Platform platform) const {
    std::map<std::string, CatalogEntry> by_id;  // later packs replace earlier ones
    for (const auto& pack : packs_)
        for (const auto& fix : pack.fixes)
            if (fix.runs_on(platform)) by_id[fix.id] = CatalogEntry{&pack, &fix};
    std::vector<CatalogEntry> out;
    out.reserve(by_id.size());
    for (auto& [id, entry] : by_id) out.push_back(entry);
    return out;
}

std::vector<CatalogEntry> Catalog::all_fixes() const {
    std::vector<CatalogEntry> out;
    for (const auto& pack : packs_)
        for (const auto& fix : pack.fixes) out.push_back(CatalogEntry{&pack, &fix});
    std::stable_sort(out.begin(), out.end(), [](const CatalogEntry& a, const CatalogEntry& b) {
        return a.fix->id < b.fix->id;
    });
    return out;
}

std::optional<CatalogEntry> Catalog::find(const std::string& fix_id, Platform platform) const {
    std::optional<CatalogEntry> found;
    for (const auto& pack : packs_)
        for (const auto& fix : pack.fixes)
            if (fix.id == fix_id && fix.runs_on(platform)) found = CatalogEntry{&pack, &fix};
    return found;
}

}  // namespace fixtray
