#include "app/machine_catalog.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "base/time_text.h"
#include "feed/feed_store.h"
#include "platform/trusted_path.h"

namespace fixtray {

namespace fs = std::filesystem;

namespace {

// "size:mtime" of a file, "-" when it cannot be read: what tells a changed file apart.
std::string stamp(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return "-";
    const auto time = fs::last_write_time(path, ec);
    if (ec) return "-";
    return std::to_string(size) + ":" + std::to_string(time.time_since_epoch().count());
}

// Fix id -> what identifies the fix's definition, for the fixes offered on this platform.
std::map<std::string, std::string> offered(const Catalog& catalog,
                                           const std::map<std::string, std::string>& stamps) {
    std::map<std::string, std::string> out;
    for (const auto& e : catalog.fixes(current_platform())) {
        const auto it = stamps.find(e.pack->file);
        out[e.fix->id] = e.pack->id + "\n" + std::to_string(e.pack->version) + "\n" + e.pack->file +
                         "\n" + (it == stamps.end() ? "" : it->second);
    }
    return out;
}

}  // namespace

const char* to_string(PackSource s) {
    switch (s) {
        case PackSource::builtin:
            return "built-in";
        case PackSource::machine:
            return "machine";
        case PackSource::feed:
            return "feed";
        case PackSource::packs_dir:
            return "local";
    }
    return "local";
}

MachineCatalog::MachineCatalog(MachinePaths paths, CatalogOptions options)
    : paths_(std::move(paths)), options_(std::move(options)) {
    load();
}

void MachineCatalog::load() {
    config_ = load_machine_config(paths_, options_);
    feed_state_error_.clear();
    // What is installed, trusted only as far as its signed index verifies now (feed_store.h).
    feed_state_ = read_installed_feed(config_.feed, &feed_state_error_);
    feed_expired_ = fixtray::feed_expired(feed_state_, std::chrono::system_clock::now());
    loading_ = std::make_shared<Catalog>();
    origin_by_file_.clear();
    stamp_by_file_.clear();
    pack_problems_.clear();
    untrusted_.clear();
    withdrawn_.clear();
    refused_overrides_.clear();

    if (options_.builtin)
        for (const auto& dir : paths_.builtin_pack_dirs) add_source(PackSource::builtin, dir, true);
    add_source(PackSource::machine, paths_.packs_dir, false);
    if (options_.feed && feed_state_.index_verified && (!feed_expired_ || options_.expired_feed))
        add_feed_packs();
    if (!options_.root_owned_only)
        for (const auto& dir : options_.pack_dirs) add_source(PackSource::packs_dir, dir, true);

    if (!config_.policy.feed_overrides_builtin) keep_builtin_fixes();
    if (!config_.policy.feed_admin_steps) {
        // policy.feed_admin_steps false: the feed's key may not act as root here.
        loading_->remove_fixes([&](const FixPack& pack, const Fix& fix) {
            const auto it = origin_by_file_.find(pack.file);
            if (it == origin_by_file_.end() || it->second.source != PackSource::feed ||
                !fix.needs_admin())
                return false;
            if (fix.runs_on(current_platform()))
                withdrawn_.push_back({fix.id, pack.id, pack.version, pack.file, PackSource::feed,
                                      "it has admin steps and comes from the help desk's feed, "
                                      "which the machine's policy does not allow "
                                      "(policy.feed_admin_steps is false)"});
            return true;
        });
    }
    note_withdrawn();
    std::vector<std::string> removed = config_.policy.disabled_packs;
    removed.insert(removed.end(), feed_state_.revoked.begin(), feed_state_.revoked.end());
    loading_->remove(removed, config_.policy.disabled_fixes);
    catalog_ = std::move(loading_);
    fingerprint_ = fingerprint();
}

void MachineCatalog::note_withdrawn() {
    const auto listed = [](const std::vector<std::string>& ids, const std::string& id) {
        return std::find(ids.begin(), ids.end(), id) != ids.end();
    };
    std::string revoked_by = "revoked by the help desk's feed";
    if (!feed_state_.repository.empty())
        revoked_by += " (" + feed_state_.repository + ", index " +
                      std::to_string(feed_state_.serial) + " signed " +
                      format_time_utc(feed_state_.generated) + ")";
    for (const FixPack& pack : loading_->packs()) {
        std::string why;
        if (listed(feed_state_.revoked, pack.id))
            why = revoked_by;
        else if (listed(config_.policy.disabled_packs, pack.id))
            why = "its pack is disabled by the machine's policy";
        const auto it = origin_by_file_.find(pack.file);
        for (const Fix& fix : pack.fixes) {
            if (!fix.runs_on(current_platform())) continue;
            std::string fix_why = why;
            if (fix_why.empty() && listed(config_.policy.disabled_fixes, fix.id))
                fix_why = "disabled by the machine's policy";
            if (fix_why.empty()) continue;
            withdrawn_.push_back(
                {fix.id, pack.id, pack.version, pack.file,
                 it != origin_by_file_.end() ? it->second.source : PackSource::builtin, fix_why,
                 why == revoked_by});
        }
    }
}

void MachineCatalog::keep_builtin_fixes() {
    // policy.feed_overrides_builtin false: a feed fix may not take a built-in fix's id.
    const auto source_of = [&](const FixPack& pack) {
        const auto it = origin_by_file_.find(pack.file);
        return it == origin_by_file_.end() ? PackSource::packs_dir : it->second.source;
    };
    std::vector<std::pair<const FixPack*, const Fix*>> builtin;
    for (const FixPack& pack : loading_->packs())
        if (source_of(pack) == PackSource::builtin)
            for (const Fix& fix : pack.fixes) builtin.emplace_back(&pack, &fix);
    loading_->remove_fixes([&](const FixPack& pack, const Fix& fix) {
        if (source_of(pack) != PackSource::feed) return false;
        for (const auto& [builtin_pack, builtin_fix] : builtin) {
            if (builtin_fix->id != fix.id) continue;
            bool shared = false;
            for (Platform p : {Platform::linux, Platform::windows, Platform::macos})
                shared = shared || (builtin_fix->runs_on(p) && fix.runs_on(p));
            if (!shared) continue;
            refused_overrides_.push_back(
                {fix.id, pack.id, pack.version, pack.file, PackSource::feed,
                 "it has the id of a built-in fix (" + builtin_pack->file +
                     "), and the machine's policy keeps the built-in fixes "
                     "(policy.feed_overrides_builtin is false)"});
            return true;
        }
        return false;
    });
}

const WithdrawnFix* MachineCatalog::refused_override(const std::string& fix_id) const {
    for (const WithdrawnFix& w : refused_overrides_)
        if (w.fix_id == fix_id) return &w;
    return nullptr;
}

std::vector<OverriddenFix> MachineCatalog::overridden(const FixPack& pack, const Fix& fix) const {
    std::vector<OverriddenFix> out;
    const Platform here = current_platform();
    for (const FixPack& earlier : catalog_->packs()) {
        if (&earlier == &pack) break;
        for (const Fix& f : earlier.fixes) {
            if (f.id != fix.id || !f.runs_on(here)) continue;
            const PackOrigin* o = origin(earlier);
            out.push_back(
                {earlier.id, earlier.version, earlier.file, o ? o->source : PackSource::packs_dir});
        }
    }
    return out;
}

const WithdrawnFix* MachineCatalog::withdrawn_fix(const std::string& fix_id) const {
    for (const WithdrawnFix& w : withdrawn_)
        if (w.fix_id == fix_id) return &w;
    return nullptr;
}

void MachineCatalog::add_source(PackSource source, const std::string& dir, bool must_exist) {
    std::error_code ec;
    if (!must_exist && !fs::is_directory(dir, ec)) return;
    std::string listed = dir;
    if (options_.root_owned_only) {
        // The real path (the feed is reached through its `current` symlink), every component of
        // which must be root's: a link into a user's directory fails here.
        listed = fs::canonical(dir, ec).string();
        if (ec) {
            untrusted_.push_back(dir + ": " + ec.message());
            return;
        }
        if (Status trusted = check_root_owned(listed); !trusted) {
            untrusted_.push_back(dir + ": " + trusted.message());
            return;
        }
    }
    PackOrigin origin;
    origin.source = source;
    origin.dir = dir;
    if (source == PackSource::feed) {
        origin.repository = feed_state_.repository;
        origin.serial = feed_state_.serial;
    }
    // A directory that cannot be read whole is skipped whole, with one problem.
    const Result<std::vector<std::string>> files = pack_files_under(listed);
    if (!files) {
        PackProblem p;
        p.where.file = dir;
        p.message = files.message();
        pack_problems_.push_back(std::move(p));
        return;
    }
    for (const auto& file : *files) {
        if (options_.root_owned_only) {
            if (Status trusted = check_root_owned(file); !trusted) {
                untrusted_.push_back(file + ": " + trusted.message());
                continue;
            }
        }
        auto problems = loading_->add_file(file, options_.keep_steps);
        pack_problems_.insert(pack_problems_.end(), std::make_move_iterator(problems.begin()),
                              std::make_move_iterator(problems.end()));
        origin_by_file_[file] = origin;
        stamp_by_file_[file] = stamp(file);
    }
}

void MachineCatalog::add_feed_packs() {
    // Only the files the verified index lists, each with the SHA-256 it lists: a file put into
    // the packs folder by other means, or changed there, is never loaded.
    // The verified generation's own folder (not through `current`, which a sync may switch).
    const std::string& dir = feed_state_.packs_dir;
    PackOrigin origin;
    origin.source = PackSource::feed;
    origin.dir = dir;
    origin.repository = feed_state_.repository;
    origin.serial = feed_state_.serial;
    for (const FeedPackState& listed : feed_state_.packs) {
        const std::string file = dir + "/" + listed.file;
        if (options_.root_owned_only)
            if (Status trusted = check_root_owned(file); !trusted) {
                untrusted_.push_back(file + ": " + trusted.message());
                continue;
            }
        auto problems = loading_->add_file(file, options_.keep_steps, listed.sha256);
        pack_problems_.insert(pack_problems_.end(), std::make_move_iterator(problems.begin()),
                              std::make_move_iterator(problems.end()));
        origin_by_file_[file] = origin;
        stamp_by_file_[file] = stamp(file);
    }
}

std::string MachineCatalog::fingerprint() const {
    std::string f;
    auto line = [&](const std::string& a, const std::string& b) { f += a + "\t" + b + "\n"; };
    line(paths_.config_file, stamp(paths_.config_file));
    if (!options_.user_config_file.empty())
        line(options_.user_config_file, stamp(options_.user_config_file));
    const std::string& state_dir = config_.feed.state_dir;
    line(state_dir + "/state.json", stamp(state_dir + "/state.json"));
    std::error_code ec;
    line(state_dir + "/current", fs::read_symlink(state_dir + "/current", ec).string());

    std::vector<std::string> dirs;
    if (options_.builtin) dirs = paths_.builtin_pack_dirs;
    dirs.push_back(paths_.packs_dir);
    if (options_.feed) dirs.push_back(feed_packs_dir(state_dir));
    if (!options_.root_owned_only)
        dirs.insert(dirs.end(), options_.pack_dirs.begin(), options_.pack_dirs.end());
    for (const auto& dir : dirs) {
        line(dir, fs::is_directory(dir, ec) ? "dir" : "none");
        const Result<std::vector<std::string>> files = pack_files_under(dir);
        if (!files) {
            line(dir, files.message());
            continue;
        }
        for (const auto& file : *files) line(file, stamp(file));
    }
    return f;
}

bool MachineCatalog::sources_changed() const {
    return fingerprint() != fingerprint_ ||
           fixtray::feed_expired(feed_state_, std::chrono::system_clock::now()) != feed_expired_;
}

CatalogChange MachineCatalog::reload() {
    const auto before = offered(*catalog_, stamp_by_file_);
    load();
    const auto after = offered(*catalog_, stamp_by_file_);
    CatalogChange change;
    for (const auto& [id, what] : after) {
        const auto it = before.find(id);
        if (it == before.end())
            change.added.push_back(id);
        else if (it->second != what)
            change.changed.push_back(id);
    }
    for (const auto& [id, what] : before)
        if (!after.count(id)) change.removed.push_back(id);
    return change;
}

std::string MachineCatalog::feed_trust_warning() const {
    return options_.feed ? feed_state_.trust_problem : std::string();
}

std::string MachineCatalog::feed_expiry_warning() const {
    if (!feed_expired_ || !options_.feed || !options_.expired_feed) return {};
    const bool never = feed_state_.last_success.time_since_epoch().count() == 0;
    return "the help desk's feed expired at " + format_time_utc(feed_state_.expires) +
           " (last successful sync: " +
           (never ? std::string("unknown") : format_time_utc(feed_state_.last_success)) +
           "). Its packs still run, without admin rights";
}

Result<std::shared_ptr<const FixPack>> MachineCatalog::full_pack(const FixPack& listed) const {
    const bool dropped = std::any_of(listed.fixes.begin(), listed.fixes.end(),
                                     [](const Fix& f) { return f.steps_dropped; });
    if (!dropped) return std::make_shared<const FixPack>(listed);
    const std::string& file = listed.file;
    const std::string out_of_date =
        file + " changed after the list of fixes was loaded; the list is out of date";
    if (!origin(listed)) return Status::error(file + ": not a pack of this catalog");
    if (options_.root_owned_only)
        if (Status trusted = check_root_owned(file); !trusted)
            return Status::error(file + ": " + trusted.message());
    PackLoadLimits limits;
    limits.sha256 = true;
    PackLoadResult loaded = load_pack_file(file, limits);
    if (!loaded.pack) return Status::error(out_of_date);
    FixPack pack = std::move(*loaded.pack);
    if (pack.sha256 != listed.sha256) return Status::error(out_of_date);
    // Only what the catalog offers of this pack: a fix that policy removed stays removed.
    std::erase_if(pack.fixes, [&](const Fix& fix) {
        return std::none_of(listed.fixes.begin(), listed.fixes.end(),
                            [&](const Fix& f) { return f.id == fix.id; });
    });
    return std::make_shared<const FixPack>(std::move(pack));
}

const PackOrigin* MachineCatalog::origin(const FixPack& pack) const {
    const auto it = origin_by_file_.find(pack.file);
    return it == origin_by_file_.end() ? nullptr : &it->second;
}

}  // namespace fixtray
