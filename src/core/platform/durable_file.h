// Writing files so that a crash or power loss leaves either the old or the new content.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace fixtray {

// Creates the directory and its parents with mode 0700 where missing.
Status make_private_dirs(const std::string& dir);

// Writes to a temporary file in the same directory, fsyncs it, renames it over `path` and
// fsyncs the directory. Mode 0600. A failure names the path.
Status write_file_atomic(const std::string& path, std::string_view content);

// Appends one line (a '\n' is added) with a single write(2) on an O_APPEND descriptor, then
// fsyncs, holding an exclusive lock on the file (flock; every appender takes it). Concurrent
// appenders never interleave within a line. A line that cannot be written whole (a full disk)
// is cut back off, so no half line stays; a file that does not end in '\n' (cut short by a crash
// or another program) gets one first, so the new line is never glued to the broken one.
Status append_line_durable(const std::string& path, std::string_view line);

// Creates a new file (it must not exist) with exactly `mode` (whatever the umask) and writes
// `content`, without flushing it:
// for many files written into a fresh directory and made durable together by sync_filesystem.
Status write_new_file(const std::string& path, std::string_view content, unsigned mode);

// Flushes everything written to the file system holding `path` (syncfs on Linux): one call for a
// whole directory of new files instead of one fsync each.
Status sync_filesystem(const std::string& path);

// Flushes a file's or a directory's contents (a directory: its entries, after a rename or a
// create inside it) to stable storage.
Status sync_path(const std::string& path);

}  // namespace fixtray
