// The `exists` step: one path (file / dir / any, present / absent), or "does anything under
// root match the glob". Never follows a symbolic link: a path that is a link is present as a
// link (type "file" and "dir" do not match it), and the walk under a root does not enter
// linked directories. The root itself may be a link (the check only reads).
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/steps/builtin_steps.h"

namespace fixtray {
namespace {

namespace fs = std::filesystem;

bool type_matches(fs::file_type t, const std::string& type) {
    if (type == "file") return t == fs::file_type::regular;
    if (type == "dir") return t == fs::file_type::directory;
    return t != fs::file_type::not_found && t != fs::file_type::none;
}

const char* type_noun(const std::string& type) {
    if (type == "file") return "a file";
    if (type == "dir") return "a folder";
    return "an entry";
}

BuiltinResult single_path(const Step& step) {
    BuiltinResult r;
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(step.path, ec);
    const bool exists = st.type() != fs::file_type::not_found && st.type() != fs::file_type::none;
    if (ec && exists) {
        r.message = "cannot check " + step.path + ": " + ec.message();
        return r;
    }
    const bool present = exists && type_matches(st.type(), step.type);
    r.ok = present == step.expect_present;
    if (present)
        r.message = step.path + " is present";
    else if (exists)
        r.message = step.path + " exists but is not " + type_noun(step.type);
    else
        r.message = step.path + " is missing";
    return r;
}

}  // namespace

BuiltinResult path_exists(const Step& step, BuiltinContext& ctx) {
    BuiltinResult r;
    if (step.type != "" && step.type != "any" && step.type != "file" && step.type != "dir") {
        r.message = "unknown type \"" + step.type + "\" (use file, dir or any)";
        return r;
    }
    if (!step.path.empty()) return single_path(step);

    if (step.root.empty()) {
        r.message = "nothing to check: neither a path nor a root";
        return r;
    }
    if (Status glob = validate_glob(step.glob); !glob) {
        r.message = "invalid glob: " + glob.message();
        return r;
    }
    const std::string what =
        std::string(type_noun(step.type)) + " matching \"" + step.glob + "\" under " + step.root;
    const auto deadline = ctx.clock.steady_now() + step.timeout;
    std::error_code ec;
    bool found = false;
    std::string match;
    fs::recursive_directory_iterator it(step.root, fs::directory_options::skip_permission_denied,
                                        ec);
    if (!ec) {
        const fs::path root(step.root);
        for (std::size_t n = 0; it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) break;
            if (++n % 256 == 0) {
                if (ctx.cancel.cancelled()) {
                    r.cancelled = true;
                    r.message = "cancelled while looking for " + what;
                    return r;
                }
                if (ctx.clock.steady_now() >= deadline) {
                    r.timed_out = true;
                    r.message = "gave up looking for " + what + " at the time limit";
                    return r;
                }
            }
            std::error_code sec;
            const fs::file_status st = it->symlink_status(sec);
            if (sec) continue;
            const std::string rel = it->path().lexically_relative(root).generic_string();
            if (type_matches(st.type(), step.type) && glob_match(step.glob, rel)) {
                found = true;
                match = rel;
                break;
            }
        }
    } else if (ec != std::errc::no_such_file_or_directory) {
        r.message = "cannot look under " + step.root + ": " + ec.message();
        return r;
    }
    r.ok = found == step.expect_present;
    r.message = found ? "found " + what : "no " + what.substr(what.find(' ') + 1);
    if (found) r.detail = "first match: " + match + "\n";
    return r;
}

}  // namespace fixtray
