#include "support/private_cups.h"

#include <doctest/doctest.h>

namespace fixtray::test {

PrivateCups::PrivateCups() {
    // cupsd's helpers run as user lp and must reach the state directory.
    namespace fs = std::filesystem;
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    const auto r =
        run_command({services_dir() + "/cups.sh", "start", (dir_.path() / "cups").string()}, {},
                    std::chrono::seconds(90));
    INFO(r.out << r.err);
    REQUIRE_MESSAGE(r.exit_code == 0,
                    "tests/services/cups.sh start failed (needs root and the packages in "
                    ".ci/test-deps.txt)");
    env_ = parse_exports(r.out);
    REQUIRE(env_.count("CUPS_SERVER"));
    REQUIRE(env_.count("FIXTRAY_TEST_PRINTER1_URI"));
    REQUIRE(env_.count("FIXTRAY_TEST_PRINTER2_URI"));
}

PrivateCups::~PrivateCups() {
    run_command({services_dir() + "/cups.sh", "stop", (dir_.path() / "cups").string()}, {},
                std::chrono::seconds(60));
}

std::string PrivateCups::uri(int n) const {
    return env_.at("FIXTRAY_TEST_PRINTER" + std::to_string(n) + "_URI");
}

fixtray::ProcessResult PrivateCups::cups(const std::vector<std::string>& argv) const {
    return run_command(argv, env_, std::chrono::seconds(60));
}

}  // namespace fixtray::test
