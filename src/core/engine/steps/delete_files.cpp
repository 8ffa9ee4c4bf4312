// delete_files: the walk, its counting and its messages, over the file-system primitives of
// delete_platform.h (which never follow a link: a link that matches is removed as a link; a
// linked directory is never entered). The walk stays on the root's file system (like find
// -xdev).
//
// Outcome rules:
//  - invalid root or glob, a root that is a link or not a directory: ok=false, nothing done;
//  - a missing root: ok=true, "nothing to delete";
//  - cancelled / over the budget (step.timeout): ok=false with cancelled / timed_out set, the
//    message saying how much was deleted before stopping;
//  - files that cannot be deleted (access denied, busy...) are counted and listed in the detail
//    and do not stop the walk; the step fails only when every matching file failed (nothing it
//    was asked to remove could be removed), otherwise it succeeds and the message says how many
//    could not be deleted.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/steps/builtin_steps.h"
#include "engine/steps/builtin_text.h"
#include "platform/delete_platform.h"

namespace fixtray {
namespace {

using delete_platform::Directory;
using delete_platform::Entry;
using delete_platform::Outcome;

constexpr int max_depth = 128;
constexpr std::size_t max_listed = 200;

struct Walk {
    Walk(const Step& s, BuiltinContext& c, std::uint64_t device)
        : step(s),
          ctx(c),
          deadline(c.clock.steady_now() + s.timeout),
          now_wall(c.clock.now()),
          root_device(device) {}

    const Step& step;
    BuiltinContext& ctx;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::system_clock::time_point now_wall;
    std::uint64_t root_device = 0;

    std::uint64_t files = 0;  // deleted (or, in a dry run, that would be)
    std::uint64_t bytes = 0;
    std::uint64_t dirs_removed = 0;
    std::uint64_t failed = 0;      // matching entries that could not be deleted
    std::uint64_t unreadable = 0;  // entries that could not be inspected, opened or read
    std::uint64_t too_deep = 0;    // folders not searched: deeper than max_depth
    std::size_t listed = 0;
    bool cancelled = false;
    bool timed_out = false;
    std::string listing;
    std::string errors;

    bool should_stop() {
        if (cancelled || timed_out) return true;
        if (ctx.cancel.cancelled())
            cancelled = true;
        else if (ctx.clock.steady_now() >= deadline)
            timed_out = true;
        return cancelled || timed_out;
    }

    bool selected(const std::string& rel, const Entry& e) const {
        if (!glob_match(step.glob, rel)) return false;
        return step.older_than.count() <= 0 || now_wall - e.modified >= step.older_than;
    }

    void list(const std::string& rel) {
        if (listed < max_listed)
            builtin_text::append_line(listing, rel);
        else if (listed == max_listed)
            builtin_text::append_line(listing, "...");
        ++listed;
    }

    void note(std::uint64_t& counter, const std::string& rel, const char* what,
              const std::string& error) {
        ++counter;
        builtin_text::append_line(errors, std::string(what) + " " + rel + ": " + error);
    }

    // Walks `dir` (whose root-relative path is `prefix`, "" for the root).
    // Returns the number of entries deleted below it (files and directories).
    std::uint64_t walk(Directory& dir, const std::string& prefix, int depth) {
        std::vector<std::string> names;
        std::string error;
        if (const Outcome o = dir.list(names, error); o != Outcome::ok) {
            if (o == Outcome::failed)
                note(unreadable, prefix.empty() ? "." : prefix, "cannot read", error);
            return 0;
        }

        std::uint64_t removed_here = 0;
        for (const std::string& name : names) {
            if (should_stop()) break;
            const std::string rel = prefix.empty() ? name : prefix + "/" + name;
            Entry e;
            if (const Outcome o = dir.inspect(name, e, error); o != Outcome::ok) {
                if (o == Outcome::failed) note(unreadable, rel, "cannot inspect", error);
                continue;
            }
            if (e.is_directory) {
                removed_here += directory(dir, name, rel, e, depth);
                continue;
            }
            // Regular files, links (as links), sockets, fifos...
            if (!selected(rel, e)) continue;
            if (!ctx.dry_run) {
                if (const Outcome o = dir.remove(name, error); o != Outcome::ok) {
                    if (o == Outcome::failed) note(failed, rel, "cannot delete", error);
                    continue;
                }
                ++removed_here;
            }
            ++files;
            bytes += e.size;
            list(rel);
        }
        return removed_here;
    }

    std::uint64_t directory(Directory& parent, const std::string& name, const std::string& rel,
                            const Entry& e, int depth) {
        if (e.device != root_device) return 0;  // another file system is mounted here
        if (depth >= max_depth) {
            note(too_deep, rel, "not descending into",
                 "more than " + std::to_string(max_depth) + " folders deep");
            return 0;
        }
        std::unique_ptr<Directory> sub;
        std::string error;
        if (const Outcome o = parent.enter(name, e, sub, error); o != Outcome::ok) {
            if (o == Outcome::failed) note(unreadable, rel, "cannot open", error);
            return 0;
        }
        const std::uint64_t below = walk(*sub, rel, depth + 1);
        sub.reset();
        if (ctx.dry_run || cancelled || timed_out) return below;
        // Remove a directory we emptied, or an empty one the glob itself selects.
        if (below == 0 && !selected(rel, e)) return 0;
        if (!parent.remove_empty_directory(name)) return 0;  // not empty: keep it
        ++dirs_removed;
        return below + 1;
    }
};

std::string summary(const Walk& w, bool dry_run) {
    using builtin_text::count_noun;
    const std::string what =
        count_noun(w.files, "file", "files") + " (" + builtin_text::format_size(w.bytes) + ")";
    std::string s;
    if (dry_run) {
        s = "would delete " + what;
    } else {
        s = "deleted " + what;
        if (w.dirs_removed > 0)
            s += " and " + count_noun(w.dirs_removed, "empty folder", "empty folders");
    }
    if (w.failed > 0) s += "; " + std::to_string(w.failed) + " could not be deleted";
    if (w.unreadable > 0)
        s += "; " + count_noun(w.unreadable, "entry", "entries") + " could not be read";
    if (w.too_deep > 0)
        s += "; " + count_noun(w.too_deep, "folder", "folders") + " more than " +
             std::to_string(max_depth) + " levels deep not searched";
    return s;
}

}  // namespace

BuiltinResult delete_files(const Step& step, BuiltinContext& ctx) {
    using delete_platform::OpenedRoot;
    BuiltinResult r;
    if (Status root = delete_platform::validate_root(step.root); !root) {
        r.message = "refusing to delete: " + root.message();
        return r;
    }
    if (Status glob = validate_glob(step.glob); !glob) {
        r.message = "refusing to delete: " + glob.message();
        return r;
    }
    OpenedRoot root = delete_platform::open_root(step.root);
    switch (root.status) {
        case OpenedRoot::Status::ok:
            break;
        case OpenedRoot::Status::missing:
            r.ok = true;
            r.message = "nothing to delete: " + step.root + " does not exist";
            return r;
        case OpenedRoot::Status::refused:
            r.message = "refusing to delete: " + step.root + " " + root.why;
            return r;
        case OpenedRoot::Status::failed:
            r.message = root.why + " " + step.root + ": " + root.error;
            return r;
    }

    Walk w(step, ctx, root.device);
    w.walk(*root.dir, "", 0);

    r.message = summary(w, ctx.dry_run);
    if (w.cancelled) {
        r.cancelled = true;
        r.message = "cancelled: " + r.message + " before stopping";
    } else if (w.timed_out) {
        r.timed_out = true;
        r.message = "stopped at the time limit: " + r.message + " before stopping";
    } else {
        // Folders left unsearched may hold what the step was to delete: not done.
        r.ok = !(w.failed > 0 && w.files == 0) && w.too_deep == 0;
    }
    r.detail = w.listing;
    if (!w.errors.empty()) builtin_text::append_line(r.detail, w.errors);
    return r;
}

}  // namespace fixtray
