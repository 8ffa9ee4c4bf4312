// A private CUPS for one test: a root-run cupsd and two ippeveprinter printers on loopback,
// started by tests/services/cups.sh and stopped when the object goes away. Needs root.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/test_helpers.h"

namespace fixtray::test {

class PrivateCups {
public:
    // Starts it; a failure ends the test (REQUIRE) with the script's output.
    PrivateCups();
    ~PrivateCups();
    PrivateCups(const PrivateCups&) = delete;
    PrivateCups& operator=(const PrivateCups&) = delete;

    // CUPS_SERVER, CUPS_SERVERROOT and FIXTRAY_TEST_PRINTER{1,2}_URI.
    const std::map<std::string, std::string>& env() const { return env_; }
    std::string uri(int n) const;
    const TempDir& dir() const { return dir_; }

    // lpadmin/lpstat/lp against this cupsd.
    fixtray::ProcessResult cups(const std::vector<std::string>& argv) const;

private:
    TempDir dir_;
    std::map<std::string, std::string> env_;
};

}  // namespace fixtray::test
