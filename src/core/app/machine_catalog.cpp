#include "app/machine_catalog.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "base/digest.h"
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
    auto next = std::make_shared<Loaded>();
    Loaded& l = *next;
    l.config = load_machine_config(paths_, options_);
    // What is installed, trusted only as far as its signed index verifies now (feed_store.h).
    l.feed_state = read_installed_feed(l.config.feed, &l.feed_state_error);
    l.feed_expired = fixtray::feed_expired(l.feed_state, std::chrono::system_clock::now());

    if (options_.builtin)
        for (const auto& dir : paths_.builtin_pack_dirs)
            add_source(l, PackSource::builtin, dir, true);
    add_source(l, PackSource::machine, paths_.packs_dir, false);
    if (options_.feed && l.feed_state.index_verified && (!l.feed_expired || options_.expired_feed))
        add_feed_packs(l);
    if (!options_.root_owned_only)
        for (const auto& dir : options_.pack_dirs) add_source(l, PackSource::packs_dir, dir, true);

    if (!l.config.policy.feed_overrides_builtin) keep_builtin_fixes(l);
    if (!l.config.policy.feed_admin_steps) {
        // policy.feed_admin_steps false: the feed's key may not act as root here.
        l.catalog.remove_fixes([&](const FixPack& pack, const Fix& fix) {
            const auto it = l.origin_by_file.find(pack.file);
            if (it == l.origin_by_file.end() || it->second.source != PackSource::feed ||
                !fix.needs_admin())
                return false;
            if (fix.runs_on(current_platform()))
                l.withdrawn.push_back({fix.id, pack.id, pack.version, pack.file, PackSource::feed,
                                       "it has admin steps and comes from the help desk's feed, "
                                       "which the machine's policy does not allow "
                                       "(policy.feed_admin_steps is false)"});
            return true;
        });
    }
    note_withdrawn(l);
    std::vector<std::string> removed = l.config.policy.disabled_packs;
    removed.insert(removed.end(), l.feed_state.revoked.begin(), l.feed_state.revoked.end());
    l.catalog.remove(removed, l.config.policy.disabled_fixes);
    l.fingerprint = sha256_hex(fingerprint(l.config));
    loaded_ = std::move(next);
}

void MachineCatalog::note_withdrawn(Loaded& l) const {
    const auto listed = [](const std::vector<std::string>& ids, const std::string& id) {
        return std::find(ids.begin(), ids.end(), id) != ids.end();
    };
    std::string revoked_by = "revoked by the help desk's feed";
    if (!l.feed_state.repository.empty())
        revoked_by += " (" + l.feed_state.repository + ", index " +
                      std::to_string(l.feed_state.serial) + " signed " +
                      format_time_utc(l.feed_state.generated) + ")";
    for (const FixPack& pack : l.catalog.packs()) {
        std::string why;
        if (listed(l.feed_state.revoked, pack.id))
            why = revoked_by;
        else if (listed(l.config.policy.disabled_packs, pack.id))
            why = "its pack is disabled by the machine's policy";
        const auto it = l.origin_by_file.find(pack.file);
        for (const Fix& fix : pack.fixes) {
            if (!fix.runs_on(current_platform())) continue;
            std::string fix_why = why;
            if (fix_why.empty() && listed(l.config.policy.disabled_fixes, fix.id))
                fix_why = "disabled by the machine's policy";
            if (fix_why.empty()) continue;
            l.withdrawn.push_back(
                {fix.id, pack.id, pack.version, pack.file,
                 it != l.origin_by_file.end() ? it->second.source : PackSource::builtin, fix_why,
                 why == revoked_by});
        }
    }
}

void MachineCatalog::keep_builtin_fixes(Loaded& l) const {
    // policy.feed_overrides_builtin false: a feed fix may not take a built-in fix's id.
    const auto source_of = [&](const FixPack& pack) {
        const auto it = l.origin_by_file.find(pack.file);
        return it == l.origin_by_file.end() ? PackSource::packs_dir : it->second.source;
    };
    std::vector<std::pair<const FixPack*, const Fix*>> builtin;
    for (const FixPack& pack : l.catalog.packs())
        if (source_of(pack) == PackSource::builtin)
            for (const Fix& fix : pack.fixes) builtin.emplace_back(&pack, &fix);
    l.catalog.remove_fixes([&](const FixPack& pack, const Fix& fix) {
        if (source_of(pack) != PackSource::feed) return false;
        for (const auto& [builtin_pack, builtin_fix] : builtin) {
            if (builtin_fix->id != fix.id) continue;
            bool shared = false;
            for (Platform p : {Platform::linux, Platform::windows, Platform::macos})
                shared = shared || (builtin_fix->runs_on(p) && fix.runs_on(p));
            if (!shared) continue;
            l.refused_overrides.push_back(
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
    for (const WithdrawnFix& w : loaded_->refused_overrides)
        if (w.fix_id == fix_id) return &w;
    return nullptr;
}

std::vector<OverriddenFix> MachineCatalog::overridden(const FixPack& pack, const Fix& fix) const {
    std::vector<OverriddenFix> out;
    const Platform here = current_platform();
    for (const FixPack& earlier : loaded_->catalog.packs()) {
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
    for (const WithdrawnFix& w : loaded_->withdrawn)
        if (w.fix_id == fix_id) return &w;
    return nullptr;
}

void MachineCatalog::add_source(Loaded& l, PackSource source, const std::string& dir,
                                bool must_exist) const {
    std::error_code ec;
    if (!must_exist && !fs::is_directory(dir, ec)) return;
    std::string listed = dir;
    if (options_.root_owned_only) {
        // The real path (the feed is reached through its `current` symlink), every component of
        // which must be root's: a link into a user's directory fails here.
        listed = fs::canonical(dir, ec).string();
        if (ec) {
            l.untrusted.push_back(dir + ": " + ec.message());
            return;
        }
        if (Status trusted = check_root_owned(listed); !trusted) {
            l.untrusted.push_back(dir + ": " + trusted.message());
            return;
        }
    }
    PackOrigin origin;
    origin.source = source;
    origin.dir = dir;
    if (source == PackSource::feed) {
        origin.repository = l.feed_state.repository;
        origin.serial = l.feed_state.serial;
    }
    // A directory that cannot be read whole is skipped whole, with one problem.
    const Result<std::vector<std::string>> files = pack_files_under(listed);
    if (!files) {
        PackProblem p;
        p.where.file = dir;
        p.message = files.message();
        l.pack_problems.push_back(std::move(p));
        return;
    }
    for (const auto& file : *files) {
        if (options_.root_owned_only) {
            if (Status trusted = check_root_owned(file); !trusted) {
                l.untrusted.push_back(file + ": " + trusted.message());
                continue;
            }
        }
        auto problems = l.catalog.add_file(file, options_.keep_steps);
        l.pack_problems.insert(l.pack_problems.end(), std::make_move_iterator(problems.begin()),
                               std::make_move_iterator(problems.end()));
        l.origin_by_file[file] = origin;
        l.stamp_by_file[file] = stamp(file);
    }
}

void MachineCatalog::add_feed_packs(Loaded& l) const {
    // Only the files the verified index lists, each with the SHA-256 it lists: a file put into
    // the packs folder by other means, or changed there, is never loaded.
    // The verified generation's own folder (not through `current`, which a sync may switch).
    const std::string& dir = l.feed_state.packs_dir;
    PackOrigin origin;
    origin.source = PackSource::feed;
    origin.dir = dir;
    origin.repository = l.feed_state.repository;
    origin.serial = l.feed_state.serial;
    for (const FeedPackState& listed : l.feed_state.packs) {
        const std::string file = dir + "/" + listed.file;
        if (options_.root_owned_only)
            if (Status trusted = check_root_owned(file); !trusted) {
                l.untrusted.push_back(file + ": " + trusted.message());
                continue;
            }
        auto problems = l.catalog.add_file(file, options_.keep_steps, listed.sha256);
        l.pack_problems.insert(l.pack_problems.end(), std::make_move_iterator(problems.begin()),
                               std::make_move_iterator(problems.end()));
        l.origin_by_file[file] = origin;
        l.stamp_by_file[file] = stamp(file);
    }
}

std::string MachineCatalog::fingerprint(const MachineConfig& config) const {
    std::string f;
    auto line = [&](const std::string& a, const std::string& b) { f += a + "\t" + b + "\n"; };
    line(paths_.config_file, stamp(paths_.config_file));
    if (!options_.user_config_file.empty())
        line(options_.user_config_file, stamp(options_.user_config_file));
    const std::string& state_dir = config.feed.state_dir;
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
    return sha256_hex(fingerprint(loaded_->config)) != loaded_->fingerprint ||
           fixtray::feed_expired(loaded_->feed_state, std::chrono::system_clock::now()) !=
               loaded_->feed_expired;
}

CatalogChange MachineCatalog::reload() {
    const auto before = offered(loaded_->catalog, loaded_->stamp_by_file);
    load();
    const auto after = offered(loaded_->catalog, loaded_->stamp_by_file);
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
    return options_.feed ? loaded_->feed_state.trust_problem : std::string();
}

std::string MachineCatalog::feed_expiry_warning() const {
    const FeedState& feed_state = loaded_->feed_state;
    if (!loaded_->feed_expired || !options_.feed || !options_.expired_feed) return {};
    const bool never = feed_state.last_success.time_since_epoch().count() == 0;
    return "the help desk's feed expired at " + format_time_utc(feed_state.expires) +
           " (last successful sync: " +
           (never ? std::string("unknown") : format_time_utc(feed_state.last_success)) +
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

void MachineCatalog::drop_listing_texts(
    const std::function<void(const FixPack&, Fix&)>& hand_over) {
    if (loaded_->listing_texts_dropped) return;
    // In place when no copy shares what was loaded (the watcher's catalog right after a load),
    // else in a copy of its own: a copy that shares it (a snapshot) keeps its texts.
    std::shared_ptr<Loaded> next = loaded_.use_count() == 1
                                       ? std::const_pointer_cast<Loaded>(loaded_)
                                       : std::make_shared<Loaded>(*loaded_);
    next->catalog.drop_listing_texts(hand_over);
    next->listing_texts_dropped = true;
    loaded_ = std::move(next);
}

const PackOrigin* MachineCatalog::origin(const FixPack& pack) const {
    const auto it = loaded_->origin_by_file.find(pack.file);
    return it == loaded_->origin_by_file.end() ? nullptr : &it->second;
}

}  // namespace fixtray
