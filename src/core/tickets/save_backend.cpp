// The "save" fallback: see fallback_backends.h.
#include <filesystem>
#include <fstream>
#include <system_error>

#include "base/cancel_token.h"
#include "platform/durable_file.h"
#include "tickets/backend_options.h"
#include "tickets/fallback_backends.h"

namespace fixtray {
namespace {

namespace fs = std::filesystem;

bool is_dir(const std::string& p) {
    std::error_code ec;
    return !p.empty() && fs::is_directory(p, ec);
}

// XDG_<NAME>_DIR from user-dirs.dirs: lines like XDG_DESKTOP_DIR="$HOME/Desktop".
std::string xdg_user_dir(const UserEnvironment& env, const std::string& name) {
    std::ifstream in(env.config + "/user-dirs.dirs");
    std::string line;
    const std::string key = "XDG_" + name + "_DIR=";
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) != 0) continue;
        std::string v = line.substr(key.size());
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        if (v.rfind("$HOME", 0) == 0) v = env.home + v.substr(5);
        if (v.empty() || v[0] != '/') return "";
        return v;
    }
    return "";
}

class SaveBackend final : public TicketBackend {
public:
    SaveBackend(std::string dir, std::string hint) : dir_(std::move(dir)), hint_(std::move(hint)) {}

    std::string describe() const override { return "a folder in " + dir_; }

    LookupResult find(const SupportRequest&, const CancelToken&) override { return {}; }

    DeliveryResult create(const SupportRequest& sr, const CancelToken& cancel) override {
        DeliveryResult d;
        d.kind = DeliveryResult::Kind::failed;
        const std::string folder = dir_ + "/fixtray-request-" + sr.id.substr(0, 8);
        if (Status s = make_private_dirs(folder); !s) {
            d.message = "cannot save the request in " + dir_ + ": " + s.message();
            return d;
        }
        const std::string text = sr.tagged_subject() + "\n\n" + sr.body();
        if (Status s = write_file_atomic(folder + "/request.txt", text); !s) {
            d.message = "cannot save the request: " + s.message();
            return d;
        }
        std::string names;
        for (const AttachmentRef& a : sr.attachments) {
            if (cancel.cancelled()) {
                d.kind = DeliveryResult::Kind::retry;
                d.message = "cancelled while saving the request in " + folder;
                return d;
            }
            // Only the last path component of the shown name: it comes from the request file.
            const std::string name = fs::path(a.file_name).filename().string();
            if (name.empty() || name == "." || name == "..") continue;
            std::error_code ec;
            fs::copy_file(a.path, folder + "/" + name, fs::copy_options::overwrite_existing, ec);
            if (ec) {
                d.message = "cannot copy " + a.path + " to " + folder + ": " + ec.message();
                return d;
            }
            names += ", " + name;
        }
        d.kind = DeliveryResult::Kind::delivered;
        d.ticket_url = "file://" + folder;
        d.handed_to = "a folder";
        d.message = "Saved your request (request.txt" + names + ") in " + folder +
                    ": send these files to your help desk" +
                    (hint_.empty() ? "." : " (" + hint_ + ").");
        return d;
    }

private:
    std::string dir_;
    std::string hint_;
};

}  // namespace

std::string default_save_dir(const UserEnvironment& env) {
    for (const std::string& dir : {xdg_user_dir(env, "DESKTOP"), env.home + "/Desktop",
                                   xdg_user_dir(env, "DOWNLOAD"), env.home + "/Downloads"})
        if (is_dir(dir)) return dir;
    return env.home;
}

Result<std::unique_ptr<TicketBackend>> make_save_backend(const BackendConfig& config) {
    BackendOptions o(config);
    const UserEnvironment env = current_user_environment();
    std::string dir = o.optional("dir");
    if (dir == "~" || dir.rfind("~/", 0) == 0) dir = env.home + dir.substr(1);
    if (dir.empty()) dir = default_save_dir(env);
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (dir.empty() || dir[0] != '/') o.fail("\"dir\" must be an absolute path: " + dir);
    if (!o.ok()) {
        return Status::error(o.error());
    }
    return std::make_unique<SaveBackend>(dir, o.optional("hint"));
}

}  // namespace fixtray
