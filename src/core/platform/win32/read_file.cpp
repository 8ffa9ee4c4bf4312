// read_file_bounded on Windows: stdio, reading in growing chunks up to the bound. The path is
// UTF-8, opened as UTF-16 (_wfopen): plain fopen would take it in the ANSI code page and miss
// every path with a character outside it (C:\Users\Jürgen\...).
#include "platform/read_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "platform/win32/win32_text.h"

namespace fixtray {

Status read_file_bounded(const std::string& path, std::size_t max_bytes, ByteBuffer& out) {
    out.clear();
    std::FILE* f = ::_wfopen(win32::widen(path).c_str(), L"rb");
    if (f == nullptr) return Status::error(std::string("cannot open: ") + std::strerror(errno));
    const std::size_t cap =
        max_bytes == std::numeric_limits<std::size_t>::max() ? max_bytes : max_bytes + 1;
    bool failed = false;
    while (out.size() < cap) {
        const std::size_t used = out.size();
        const std::size_t want =
            std::min<std::size_t>(std::max<std::size_t>(used, 65536), cap - used);
        out.reserve(used + want);
        const std::size_t got = std::fread(out.data() + used, 1, want, f);
        out.set_size(used + got);
        if (got < want) {
            failed = std::ferror(f) != 0;
            break;
        }
    }
    std::fclose(f);
    if (failed) return Status::error("cannot read the file");
    return {};
}

}  // namespace fixtray
