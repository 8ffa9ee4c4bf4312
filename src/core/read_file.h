// Reading a whole file into memory with a size bound, in as few system calls as the platform
// allows (fix packs are loaded by the hundred at start-up).
#pragma once

#include <cstddef>
#include <string>

namespace fixtray {

// Reads `path` into `out`, at most max_bytes + 1 bytes, so a caller can tell "too large" without
// reading it all (out.size() > max_bytes). "" on success, else a message such as
// "cannot open: No such file or directory" or "cannot read the file".
std::string read_file_bounded(const std::string& path, std::size_t max_bytes, std::string& out);

}  // namespace fixtray
