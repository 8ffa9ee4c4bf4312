// read_file_bounded on POSIX: open, fstat, then read straight into the caller's buffer; for a
// regular file the size from fstat sizes the buffer so one read(2) usually gets it all.
#include "platform/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace fixtray {

Status read_file_bounded(const std::string& path, std::size_t max_bytes, ByteBuffer& out) {
    out.clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::error(std::string("cannot open: ") + std::strerror(errno));
    const std::size_t cap =
        max_bytes == std::numeric_limits<std::size_t>::max() ? max_bytes : max_bytes + 1;
    struct stat st {};
    const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    // The size is only a hint: the file may grow or shrink while we read.
    const std::size_t hint = regular && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
    bool failed = false;
    while (out.size() < cap) {
        const std::size_t used = out.size();
        std::size_t want = used == 0 && hint > 0 ? hint + 1 : std::max<std::size_t>(used, 65536);
        want = std::min(want, cap - used);
        out.reserve(used + want);
        ssize_t got;
        do {
            got = ::read(fd, out.data() + used, want);
        } while (got < 0 && errno == EINTR);
        if (got < 0) {
            failed = true;
            break;
        }
        out.set_size(used + static_cast<std::size_t>(got));
        // A short read of a regular file means its end (Linux never splits a regular-file read
        // otherwise), which saves the extra read(2) that would return 0.
        if (got == 0 || (regular && static_cast<std::size_t>(got) < want)) break;
    }
    ::close(fd);
    if (failed) return Status::error("cannot read the file");
    return {};
}

}  // namespace fixtray
