#include "test_helpers.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "cancel_token.h"

namespace fixtray::test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/fixtray-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& p, const std::string& content) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

ProcessResult run_fixctl(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         std::chrono::milliseconds timeout) {
    SystemProcessRunner runner;
    ProcessRequest req;
    req.argv.push_back(FIXCTL_PATH);
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.extra_env = env;
    req.timeout = timeout;
    req.output_cap = 4 * 1024 * 1024;
    CancelToken never;
    return runner.run(req, never);
}

std::map<std::string, std::string> isolated_env(const std::filesystem::path& home) {
    return {{"HOME", home.string()},
            {"XDG_CACHE_HOME", (home / ".cache").string()},
            {"XDG_CONFIG_HOME", (home / ".config").string()},
            {"XDG_STATE_HOME", (home / ".local/state").string()},
            {"LANG", "C.UTF-8"}};
}

std::string pack_with_fix(const std::string& fix_children, const std::string& params,
                          const std::string& fix_attrs) {
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.test\" version=\"1\">" +
           params + "<fix id=\"t\" platforms=\"linux\" " + fix_attrs + "><title>Test fix</title>" +
           fix_children + "</fix></fixpack>";
}

}  // namespace fixtray::test
