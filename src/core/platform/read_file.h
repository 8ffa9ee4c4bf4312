// Reading a whole file into memory with a size bound, in as few system calls as the platform
// allows (fix packs are loaded by the hundred at start-up).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>

#include "base/status.h"

namespace fixtray {

// A growable block of bytes that, unlike std::string, is not zero-filled when it grows: a file
// is read straight into it, and a parser may then modify it in place.
class ByteBuffer {
public:
    char* data() { return data_.get(); }
    const char* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    void clear() { size_ = 0; }

    // Makes room for at least n bytes, keeping the first size() bytes.
    void reserve(std::size_t n) {
        if (n <= capacity_) return;
        std::unique_ptr<char[]> grown(new char[n]);  // uninitialised on purpose
        if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
        data_ = std::move(grown);
        capacity_ = n;
    }
    // Sets the size within the capacity; bytes past the old size are whatever was written there.
    void set_size(std::size_t n) { size_ = n <= capacity_ ? n : capacity_; }
    std::size_t capacity() const { return capacity_; }

private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

// Reads `path` into `out`, at most max_bytes + 1 bytes, so a caller can tell "too large" without
// reading it all (out.size() > max_bytes). A failure says "cannot open: No such file or
// directory" or "cannot read the file".
Status read_file_bounded(const std::string& path, std::size_t max_bytes, ByteBuffer& out);

// The same into a std::string (for callers that keep the text).
inline Status read_file_bounded(const std::string& path, std::size_t max_bytes, std::string& out) {
    ByteBuffer buffer;
    Status status = read_file_bounded(path, max_bytes, buffer);
    if (status) out.assign(buffer.data() ? buffer.data() : "", buffer.size());
    return status;
}

}  // namespace fixtray
