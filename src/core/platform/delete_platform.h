// The file-system primitives delete_files.cpp walks with. One implementation per platform:
// posix/delete_platform.cpp (relative to directory descriptors: openat, fstatat, unlinkat) and
// win32/delete_platform.cpp (full \\?\ paths, FindFirstFileExW). None of them ever follows a
// symbolic link, junction or other reparse point. Internal to the core.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace fixtray {

// A root for delete_files: absolute, normalised, not "/" nor a top-level system directory.
// Fails with the reason ("the root must not be a system directory (/usr/lib)").
Status validate_delete_root(const std::string& root);

}  // namespace fixtray

namespace fixtray::delete_platform {

// What happened to one call on one entry.
//  ok:     done;
//  gone:   the entry vanished or was swapped (for a link, a file...) meanwhile: skip it quietly;
//  failed: `error` says why, in the platform's words ("Permission denied").
enum class Outcome { ok, gone, failed };

// One directory entry as seen without following links.
struct Entry {
    bool is_directory = false;  // a real directory (never a link to one): the walk may enter it
    std::uint64_t size = 0;     // bytes deleting it frees: regular files only, 0 for links
    std::chrono::system_clock::time_point modified;
    std::uint64_t device = 0;  // file system and file identity where the platform has them
    std::uint64_t inode = 0;   // (POSIX); 0 elsewhere
};

// An open directory of the walk. Names are UTF-8, relative to this directory, never "." or "..".
class Directory {
public:
    virtual ~Directory() = default;
    // The names of the entries in this directory.
    virtual Outcome list(std::vector<std::string>& names, std::string& error) = 0;
    // The entry `name` (a name list() returned).
    virtual Outcome inspect(const std::string& name, Entry& entry, std::string& error) = 0;
    // Opens the directory `name`, which inspect() described as `entry`; gone when it is no
    // longer that directory.
    virtual Outcome enter(const std::string& name, const Entry& entry,
                          std::unique_ptr<Directory>& sub, std::string& error) = 0;
    // Deletes the non-directory entry `name` (a link goes, its target stays).
    virtual Outcome remove(const std::string& name, std::string& error) = 0;
    // Removes the directory `name` if it is empty; false when it is not (or cannot be removed).
    virtual bool remove_empty_directory(const std::string& name) = 0;
};

// The platform's rules for a delete_files root: ok when acceptable, else fails with the reason.
Status validate_root(const std::string& root);

// Opening the (validated) root of a walk.
struct OpenedRoot {
    enum class Status {
        ok,       // dir is set
        missing,  // does not exist: nothing to delete
        refused,  // a link, or not a directory: `why` says which ("is not a directory")
        failed,   // `why` says what failed ("cannot open"), `error` why
    } status = Status::failed;
    std::unique_ptr<Directory> dir;
    std::uint64_t device = 0;  // the root's file system: the walk does not leave it
    std::string why;
    std::string error;
};
OpenedRoot open_root(const std::string& root);

}  // namespace fixtray::delete_platform
