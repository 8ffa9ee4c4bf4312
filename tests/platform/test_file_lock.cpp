// FileLock::try_acquire: held, busy (not a failure), or a failure that names the file.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "platform/file_lock.h"
#include "support/test_helpers.h"

using namespace fixtray;
using test::TempDir;

TEST_CASE("FileLock: the first holder gets it, a second is busy until the first lets go") {
    // Scenario: two senders in one process race for the same lock file.
    TempDir tmp;
    const std::string path = tmp / "lock";
    {
        Result<FileLock> first = FileLock::try_acquire(path);
        REQUIRE_MESSAGE(first.ok(), first.message());
        CHECK(first->held());
        const Result<FileLock> second = FileLock::try_acquire(path);
        REQUIRE_MESSAGE(second.ok(), second.message());  // busy is not a failure
        CHECK_FALSE(second->held());
        const FileLock moved = std::move(first).value();  // the lock moves with its owner
        CHECK(moved.held());
        CHECK_FALSE(FileLock::try_acquire(path)->held());
    }
    const Result<FileLock> again = FileLock::try_acquire(path);
    REQUIRE(again.ok());
    CHECK(again->held());
}

TEST_CASE("FileLock: a lock file that cannot be created fails with the path and the reason") {
    // Scenario: the lock's directory does not exist, or is a file.
    TempDir tmp;
    const Result<FileLock> missing = FileLock::try_acquire(tmp / "no-such-dir/lock");
    CHECK_FALSE(missing.ok());
    CHECK(missing.message().find(tmp / "no-such-dir/lock") != std::string::npos);
    CHECK(missing.message().find("No such file or directory") != std::string::npos);
    test::write_file(tmp.path() / "file", "x");
    const Result<FileLock> under_file = FileLock::try_acquire(tmp / "file/lock");
    CHECK_FALSE(under_file.ok());
    CHECK(under_file.message().find("Not a directory") != std::string::npos);
}

TEST_CASE("FileLock: a symbolic link as the lock file is refused") {
    // Scenario: someone plants a link where the lock goes; the lock does not follow it.
    TempDir tmp;
    test::write_file(tmp.path() / "target", "");
    REQUIRE(::symlink((tmp / "target").c_str(), (tmp / "lock").c_str()) == 0);
    const Result<FileLock> r = FileLock::try_acquire(tmp / "lock");
    CHECK_FALSE(r.ok());
    CHECK(r.message().find("cannot open lock file") != std::string::npos);
}
