// append_line_durable (platform/durable_file.h) on a real full file system: a small tmpfs.
#include <doctest/doctest.h>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "platform/durable_file.h"
#include "support/test_helpers.h"

using namespace fixtray;
using test::read_file;
using test::TempDir;

namespace {

// A tmpfs of `pages` pages mounted on a temporary directory for the test's lifetime (root only).
struct SmallTmpfs {
    TempDir dir;
    bool mounted = false;
    std::string error;

    explicit SmallTmpfs(int pages) {
        const std::string options = "size=" + std::to_string(pages * 4096) + ",mode=0700";
        if (::mount("tmpfs", dir.str().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) ==
            0)
            mounted = true;
        else
            error = std::strerror(errno);
    }
    ~SmallTmpfs() {
        if (mounted) ::umount2(dir.str().c_str(), MNT_DETACH);
    }
};

// Fills the file system holding `path` until it refuses more (ENOSPC).
void fill(const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    const std::string page(4096, 'f');
    for (int i = 0; i < 100000 && out; ++i) out.write(page.data(), page.size()) && out.flush();
}

std::string lines(std::size_t bytes) {
    std::string text;
    for (int i = 0; text.size() + 60 < bytes; ++i)
        text += "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(40, 'p') + "\"}\n";
    return text;
}

}  // namespace

TEST_CASE(
    "append_line_durable: a full disk leaves no half line, the next append after that is whole") {
    // Scenario: the audit log's first page is 3 KB of complete lines, the rest of the tmpfs is
    // taken; a 2 KB line fits only in part. Before: the part stayed, and the next line was glued
    // onto it. Now: the append fails naming the file, the file is as it was, and once there is
    // space again the line is appended whole.
    if (::geteuid() != 0) {
        if (std::getenv("CI")) FAIL("mounting the test's tmpfs needs root, which CI has");
        MESSAGE("skipped: mounting a tmpfs needs root");
        return;
    }
    SmallTmpfs fs(2);
    REQUIRE_MESSAGE(fs.mounted, "mount tmpfs: " << fs.error);
    const std::string log = fs.dir / "audit.jsonl";
    const std::string before = lines(3000);
    { std::ofstream(log, std::ios::binary) << before; }
    fill(fs.dir / "filler");
    const std::string line = "{\"run_id\":\"big\",\"message\":\"" + std::string(2000, 'm') + "\"}";

    const Status full = append_line_durable(log, line);
    REQUIRE_FALSE(full);
    CHECK(full.message().find(log) != std::string::npos);
    CHECK(full.message().find("bytes were written") != std::string::npos);
    CHECK(read_file(log) == before);

    REQUIRE(::unlink((fs.dir / "filler").c_str()) == 0);
    REQUIRE(append_line_durable(log, line));
    CHECK(read_file(log) == before + line + "\n");
}

TEST_CASE("append_line_durable: a file cut short mid-line gets a newline before the next line") {
    // Scenario: a crash left half a line without its newline; the next line starts on its own.
    TempDir tmp;
    const std::string log = tmp / "audit.jsonl";
    { std::ofstream(log, std::ios::binary) << "{\"run_id\":\"a\"}\n{\"run_id\":\"cu"; }
    REQUIRE(append_line_durable(log, "{\"run_id\":\"b\"}"));
    CHECK(read_file(log) == "{\"run_id\":\"a\"}\n{\"run_id\":\"cu\n{\"run_id\":\"b\"}\n");
    REQUIRE(append_line_durable(log, "{\"run_id\":\"c\"}"));  // no second newline
    CHECK(read_file(log) ==
          "{\"run_id\":\"a\"}\n{\"run_id\":\"cu\n{\"run_id\":\"b\"}\n{\"run_id\":\"c\"}\n");
}
