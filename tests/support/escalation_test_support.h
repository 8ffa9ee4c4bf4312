// Test helpers for the ticket backends: a sample SupportRequest with an attachment on disk, and
// the real services (tests/services/rt.sh, smtp.sh) started for one test.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/test_helpers.h"
#include "tickets/support_request.h"

namespace fixtray::test {

// A fresh UUID v4: the correlation id of a test request, unique across runs and shared servers.
inline std::string random_request_id() {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    std::uniform_int_distribution<int> hex(0, 15);
    std::string id;
    for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20) id += '-';
        int v = hex(gen);
        if (i == 12) v = 4;
        if (i == 16) v = 8 + (v & 3);
        id += "0123456789abcdef"[v];
    }
    return id;
}

// Binary bytes that survive no accidental text conversion: every byte value, NUL and CR/LF
// included, then a pseudo-random tail.
inline std::string binary_bytes(std::size_t size) {
    std::string s;
    for (int i = 0; i < 256 && s.size() < size; ++i) s += static_cast<char>(i);
    std::mt19937 gen(42);
    while (s.size() < size) s += static_cast<char>(gen() & 0xFF);
    return s;
}

// A request as the outbox would hold it, with one attachment written to dir.
inline SupportRequest sample_request(const std::filesystem::path& dir,
                                     const std::string& attachment_bytes,
                                     const std::string& subject = "Printer Office does not print") {
    SupportRequest r;
    r.id = random_request_id();
    r.created = std::chrono::system_clock::now();
    r.subject = subject;
    r.description = "Fix remap-printers ran and did not fix it.\nverify: printer Office not found";
    r.comment = "It worked yesterday.";
    r.contact = {"Erika Mustermann", "erika@example.com", ""};
    r.user = "erika";
    r.host = "laptop-17";
    r.os = "Debian GNU/Linux 12 (bookworm)";
    r.fix_id = "remap-printers";
    r.run_id = "20250101T120000Z-1234";
    const auto path = dir / "fixtray-diagnostics.tar.gz";
    write_file(path, attachment_bytes);
    r.attachments.push_back(
        {"fixtray-diagnostics.tar.gz", "application/gzip", path.string(), attachment_bytes.size()});
    return r;
}

// A service from tests/services started into a fresh directory for one test, stopped at scope
// exit. `script` is "rt.sh", "smtp.sh" or "nginx.sh"; `args` follow the directory on the start
// command line (nginx.sh: the ROOT to serve). env() holds the exported variables.
class TestService {
public:
    // `env`: extra environment for the start command (e.g. smtp.sh's SMTP_SH_TLS_CERT).
    explicit TestService(const std::string& script, const std::vector<std::string>& args = {},
                         const std::map<std::string, std::string>& env = {})
        : script_(script) {
        // rt.sh runs RT as www-data when root: the directory must be reachable by it.
        std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                      std::filesystem::perms::group_read |
                                                      std::filesystem::perms::group_exec |
                                                      std::filesystem::perms::others_read |
                                                      std::filesystem::perms::others_exec);
        std::vector<std::string> argv{services_dir() + "/" + script_, "start", state()};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = run_command(argv, env, std::chrono::seconds(180));
        INFO(r.out << r.err);
        REQUIRE_MESSAGE(r.exit_code == 0, "tests/services/" << script_
                                                            << " start failed (needs the "
                                                               "packages .ci/run installs)");
        env_ = parse_exports(r.out);
    }
    ~TestService() {
        run_command({services_dir() + "/" + script_, "stop", state()}, {},
                    std::chrono::seconds(60));
    }
    TestService(const TestService&) = delete;
    TestService& operator=(const TestService&) = delete;

    std::string env(const std::string& name) const {
        auto it = env_.find(name);
        REQUIRE_MESSAGE(it != env_.end(), script_ << " did not export " << name);
        return it->second;
    }

private:
    // DIR/rt, DIR/smtp or DIR/nginx: .ci/run's cleanup looks there for servers a crashed test
    // left behind.
    std::string state() const {
        return (dir_.path() / script_.substr(0, script_.find('.'))).string();
    }
    TempDir dir_;
    std::string script_;
    std::map<std::string, std::string> env_;
};

}  // namespace fixtray::test
