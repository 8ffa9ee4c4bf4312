// delete_files for POSIX: a walk relative to directory file descriptors, so that no path is
// ever resolved twice and no symbolic link is ever followed (a link that matches is removed as
// a link; a linked directory is never entered). Directories are opened with O_NOFOLLOW and
// checked to be the same inode that fstatat saw, so a directory swapped for a link between the
// two calls is skipped. The walk stays on the root's file system (like find -xdev).
//
// Outcome rules:
//  - invalid root or glob, a root that is a symlink or not a directory: ok=false, nothing done;
//  - a missing root: ok=true, "nothing to delete";
//  - cancelled / over the budget (step.timeout): ok=false with cancelled / timed_out set, the
//    message saying how much was deleted before stopping;
//  - files that cannot be deleted (EACCES, busy...) are counted and listed in the detail and
//    do not stop the walk; the step fails only when every matching file failed (nothing it was
//    asked to remove could be removed), otherwise it succeeds and the message says how many
//    could not be deleted.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "builtin_steps.h"
#include "builtin_text.h"
#include "cancel_token.h"
#include "clock.h"

namespace fixtray {
namespace {

constexpr int max_depth = 128;
constexpr std::size_t max_listed = 200;

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

private:
    int fd_;
};

struct Walk {
    Walk(const Step& s, BuiltinContext& c, dev_t dev)
        : step(s),
          ctx(c),
          deadline(c.clock.steady_now() + s.timeout),
          now_wall(c.clock.now()),
          root_dev(dev) {}

    const Step& step;
    BuiltinContext& ctx;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::system_clock::time_point now_wall;
    dev_t root_dev = 0;

    std::uint64_t files = 0;  // deleted (or, in a dry run, that would be)
    std::uint64_t bytes = 0;
    std::uint64_t dirs_removed = 0;
    std::uint64_t failed = 0;      // matching entries that could not be deleted
    std::uint64_t unreadable = 0;  // entries that could not be inspected, opened or read
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

    bool old_enough(const struct stat& st) const {
        if (step.older_than.count() <= 0) return true;
        const auto mtime = std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(st.st_mtim.tv_sec) +
                std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
        return now_wall - mtime >= step.older_than;
    }

    void list(const std::string& rel) {
        if (listed < max_listed)
            builtin_text::append_line(listing, rel);
        else if (listed == max_listed)
            builtin_text::append_line(listing, "...");
        ++listed;
    }

    void fail(const std::string& rel, const char* what, int err) {
        if (std::strcmp(what, "cannot delete") == 0)
            ++failed;
        else
            ++unreadable;
        builtin_text::append_line(errors,
                                  std::string(what) + " " + rel + ": " + std::strerror(err));
    }

    // Walks the directory `dirfd` (whose root-relative path is `prefix`, "" for the root).
    // Returns the number of entries deleted below it (files and directories).
    std::uint64_t walk(int dirfd, const std::string& prefix, int depth) {
        std::vector<std::string> names;
        {
            const int dup_fd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
            if (dup_fd < 0) {
                fail(prefix.empty() ? "." : prefix, "cannot read", errno);
                return 0;
            }
            DIR* d = ::fdopendir(dup_fd);
            if (!d) {
                const int err = errno;
                ::close(dup_fd);
                fail(prefix.empty() ? "." : prefix, "cannot read", err);
                return 0;
            }
            errno = 0;
            while (const dirent* e = ::readdir(d)) {
                if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                    names.emplace_back(e->d_name);
            }
            ::closedir(d);
        }

        std::uint64_t removed_here = 0;
        for (const std::string& name : names) {
            if (should_stop()) break;
            const std::string rel = prefix.empty() ? name : prefix + "/" + name;
            struct stat st {};
            if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno != ENOENT) fail(rel, "cannot inspect", errno);
                continue;
            }
            if (S_ISDIR(st.st_mode)) {
                removed_here += directory(dirfd, name, rel, st, depth);
                continue;
            }
            // Regular files, symbolic links (as links), sockets, fifos...
            if (!glob_match(step.glob, rel) || !old_enough(st)) continue;
            if (!ctx.dry_run) {
                if (::unlinkat(dirfd, name.c_str(), 0) != 0) {
                    if (errno != ENOENT) fail(rel, "cannot delete", errno);
                    continue;
                }
                ++removed_here;
            }
            ++files;
            if (S_ISREG(st.st_mode)) bytes += static_cast<std::uint64_t>(st.st_size);
            list(rel);
        }
        return removed_here;
    }

    std::uint64_t directory(int dirfd, const std::string& name, const std::string& rel,
                            const struct stat& st, int depth) {
        if (st.st_dev != root_dev) return 0;  // another file system is mounted here
        if (depth >= max_depth) {
            fail(rel, "not descending into", ELOOP);
            return 0;
        }
        Fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub.get() < 0) {
            // ELOOP / ENOTDIR: replaced by a link or a file since fstatat; never followed.
            if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
                fail(rel, "cannot open", errno);
            return 0;
        }
        struct stat opened {};
        if (::fstat(sub.get(), &opened) != 0 || opened.st_dev != st.st_dev ||
            opened.st_ino != st.st_ino)
            return 0;  // swapped between fstatat and openat
        const std::uint64_t below = walk(sub.get(), rel, depth + 1);
        if (ctx.dry_run || cancelled || timed_out) return below;
        // Remove a directory we emptied, or an empty one the glob itself selects.
        const bool selected = glob_match(step.glob, rel) && old_enough(st);
        if (below == 0 && !selected) return 0;
        if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) return 0;  // not empty: keep it
        ++dirs_removed;
        return below + 1;
    }
};

}  // namespace

BuiltinResult delete_files(const Step& step, BuiltinContext& ctx) {
    using builtin_text::count_noun;
    using builtin_text::format_size;
    BuiltinResult r;
    if (std::string why = validate_delete_root(step.root); !why.empty()) {
        r.message = "refusing to delete: " + why;
        return r;
    }
    if (std::string why = validate_glob(step.glob); !why.empty()) {
        r.message = "refusing to delete: " + why;
        return r;
    }
    Fd root(::open(step.root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (root.get() < 0) {
        const int err = errno;
        if (err == ENOENT) {
            r.ok = true;
            r.message = "nothing to delete: " + step.root + " does not exist";
            return r;
        }
        struct stat lst {};
        // With O_DIRECTORY a link gives ENOTDIR rather than ELOOP: lstat tells which it was.
        if (err == ELOOP ||
            (err == ENOTDIR && ::lstat(step.root.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode)))
            r.message = "refusing to delete: " + step.root + " is a symbolic link";
        else if (err == ENOTDIR)
            r.message = "refusing to delete: " + step.root + " is not a directory";
        else
            r.message = "cannot open " + step.root + ": " + std::strerror(err);
        return r;
    }
    struct stat root_st {};
    if (::fstat(root.get(), &root_st) != 0) {
        r.message = "cannot inspect " + step.root + ": " + std::strerror(errno);
        return r;
    }

    Walk w(step, ctx, root_st.st_dev);
    w.walk(root.get(), "", 0);

    const std::string what =
        count_noun(w.files, "file", "files") + " (" + format_size(w.bytes) + ")";
    if (ctx.dry_run) {
        r.message = "would delete " + what;
    } else {
        r.message = "deleted " + what;
        if (w.dirs_removed > 0)
            r.message += " and " + count_noun(w.dirs_removed, "empty folder", "empty folders");
    }
    if (w.failed > 0) r.message += "; " + std::to_string(w.failed) + " could not be deleted";
    if (w.unreadable > 0)
        r.message += "; " + count_noun(w.unreadable, "entry", "entries") + " could not be read";
    if (w.cancelled) {
        r.cancelled = true;
        r.message = "cancelled: " + r.message + " before stopping";
    } else if (w.timed_out) {
        r.timed_out = true;
        r.message = "stopped at the time limit: " + r.message + " before stopping";
    } else {
        r.ok = !(w.failed > 0 && w.files == 0);
    }
    r.detail = w.listing;
    if (!w.errors.empty()) builtin_text::append_line(r.detail, w.errors);
    return r;
}

}  // namespace fixtray
