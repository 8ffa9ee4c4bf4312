#include "outbox/outbox.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "base/time_text.h"
#include "platform/durable_file.h"

namespace fixtray {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMaxRequestJson = 16 * 1024 * 1024;

bool plain_file_name(const std::string& name) {
    if (name.empty() || name.size() > 200 || name == "." || name == ".." || name[0] == '.')
        return false;
    if (name == "request.json" || name == "status.json" || name == "lock") return false;
    return name.find_first_of("/\\:\0", 0, 4) == std::string::npos;
}

std::string read_small_file(const std::string& path, std::string* out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read " + path;
    std::string text(kMaxRequestJson + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxRequestJson) return path + " is too large";
    *out = std::move(text);
    return "";
}

std::string copy_durably(const std::string& from, const std::string& to) {
    std::error_code ec;
    if (!fs::is_regular_file(from, ec)) return "attachment " + from + " is not a regular file";
    if (!fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec))
        return "cannot copy " + from + " to " + to + ": " + ec.message();
    fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write, ec);
    return sync_path(to);
}

}  // namespace

const char* to_string(DeliveryState s) {
    switch (s) {
        case DeliveryState::pending:
            return "pending";
        case DeliveryState::delivered:
            return "delivered";
        case DeliveryState::failed:
            return "failed";
    }
    return "?";
}

json to_json(const DeliveryStatus& s) {
    auto time_or_null = [](std::chrono::system_clock::time_point t) -> json {
        if (t.time_since_epoch().count() == 0) return nullptr;
        return format_time_utc(t);
    };
    return {{"state", to_string(s.state)},
            {"attempts", s.attempts},
            {"queued", time_or_null(s.queued)},
            {"last_attempt", time_or_null(s.last_attempt)},
            {"next_attempt", time_or_null(s.next_attempt)},
            {"delivered", time_or_null(s.delivered)},
            {"in_flight", s.in_flight},
            {"last_error", s.last_error},
            {"backend", s.backend},
            {"ticket_id", s.ticket_id},
            {"ticket_url", s.ticket_url},
            {"history", s.history}};
}

DeliveryStatus delivery_status_from_json(const json& j) {
    DeliveryStatus s;
    const std::string state = j.value("state", "pending");
    s.state = state == "delivered" ? DeliveryState::delivered
              : state == "failed"  ? DeliveryState::failed
                                   : DeliveryState::pending;
    s.attempts = j.value("attempts", 0);
    auto time_of = [&](const char* key) {
        auto it = j.find(key);
        return it != j.end() && it->is_string() ? parse_time_utc(it->get<std::string>())
                                                : std::chrono::system_clock::time_point{};
    };
    s.queued = time_of("queued");
    s.last_attempt = time_of("last_attempt");
    s.next_attempt = time_of("next_attempt");
    s.delivered = time_of("delivered");
    s.in_flight = j.value("in_flight", false);
    s.last_error = j.value("last_error", "");
    s.backend = j.value("backend", "");
    s.ticket_id = j.value("ticket_id", "");
    s.ticket_url = j.value("ticket_url", "");
    if (auto it = j.find("history"); it != j.end() && it->is_array())
        for (const auto& line : *it)
            if (line.is_string()) s.history.push_back(line.get<std::string>());
    return s;
}

bool valid_request_id(const std::string& id) {
    if (id.size() != 36) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

std::string request_text(const SupportRequest& r) {
    std::string text = "Subject: " + r.tagged_subject() + "\n\n" + r.body();
    if (!r.attachments.empty()) {
        text += "\nAttached:\n";
        for (const auto& a : r.attachments)
            text += "  " + a.file_name + " (" + std::to_string(a.size) + " bytes)\n";
    }
    return text;
}

Outbox::Outbox(std::string dir) : dir_(std::move(dir)) {}

std::string Outbox::add(SupportRequest request, const std::vector<AttachmentSource>& attachments) {
    if (!valid_request_id(request.id)) return "invalid request id \"" + request.id + "\"";
    if (auto err = make_private_dirs(dir_); !err.empty()) return err;
    const std::string final_dir = entry_dir(request.id);
    std::error_code ec;
    if (fs::exists(final_dir, ec)) return "request " + request.id + " is already in the outbox";
    const std::string tmp = dir_ + "/.incoming-" + request.id;
    fs::remove_all(tmp, ec);
    if (auto err = make_private_dirs(tmp); !err.empty()) return err;
    auto fail = [&](std::string message) {
        fs::remove_all(tmp, ec);
        return message;
    };

    request.attachments.clear();
    for (const auto& a : attachments) {
        if (!plain_file_name(a.file_name))
            return fail("attachment name \"" + a.file_name + "\" is not a plain file name");
        if (auto err = copy_durably(a.path, tmp + "/" + a.file_name); !err.empty())
            return fail(err);
        const auto size = fs::file_size(tmp + "/" + a.file_name, ec);
        request.attachments.push_back(
            {a.file_name, a.mime_type, a.file_name, ec ? 0 : static_cast<std::uint64_t>(size)});
    }
    DeliveryStatus status;
    status.queued = request.created;
    status.next_attempt = request.created;
    status.history.push_back(format_time_utc(request.created) + ": queued");
    if (auto err = write_file_atomic(tmp + "/request.json", dump_json(to_json(request), 2));
        !err.empty())
        return fail(err);
    if (auto err = write_file_atomic(tmp + "/status.json", dump_json(to_json(status), 2));
        !err.empty())
        return fail(err);
    if (auto err = sync_path(tmp); !err.empty()) return fail(err);
    fs::rename(tmp, final_dir, ec);
    if (ec) return fail("cannot move the request into " + final_dir + ": " + ec.message());
    return sync_path(dir_);
}

std::optional<OutboxEntry> Outbox::get(const std::string& id, std::string* error) const {
    auto set_error = [&](std::string message) -> std::optional<OutboxEntry> {
        if (error) *error = std::move(message);
        return std::nullopt;
    };
    if (!valid_request_id(id)) return set_error("no request \"" + id + "\" in the outbox");
    OutboxEntry entry;
    entry.dir = entry_dir(id);
    std::string text;
    if (auto err = read_small_file(entry.dir + "/request.json", &text); !err.empty()) {
        std::error_code ec;
        if (!fs::exists(entry.dir, ec)) return set_error("no request " + id + " in the outbox");
        return set_error(err);
    }
    try {
        entry.request = support_request_from_json(json::parse(text));
    } catch (const json::exception& e) {
        return set_error(entry.dir + "/request.json: " + e.what());
    }
    if (entry.request.id != id)
        return set_error(entry.dir + "/request.json: its id does not match the directory");
    for (auto& a : entry.request.attachments) {
        if (!plain_file_name(a.path))
            return set_error(entry.dir + "/request.json: attachment path \"" + a.path +
                             "\" is not a file of this request");
        a.path = entry.dir + "/" + a.path;
    }
    if (read_small_file(entry.dir + "/status.json", &text).empty()) {
        try {
            entry.status = delivery_status_from_json(json::parse(text));
        } catch (const json::exception& e) {
            // A damaged status must not lose the request: treat it as pending, looked up first.
            entry.status = DeliveryStatus{};
            entry.status.in_flight = true;
            entry.status.last_error = "status.json was unreadable (" + std::string(e.what()) + ")";
        }
    } else {
        entry.status.in_flight = true;
        entry.status.last_error = "status.json was missing";
    }
    return entry;
}

std::vector<OutboxEntry> Outbox::list(std::vector<std::string>* problems) const {
    std::vector<OutboxEntry> entries;
    std::error_code ec;
    fs::directory_iterator it(dir_, ec);
    if (ec) return entries;  // no outbox yet
    const auto now = fs::file_time_type::clock::now();
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const std::string name = it->path().filename().string();
        if (name.rfind(".incoming-", 0) == 0) {
            // Left by a crash while queuing: never visible, removed after a day.
            std::error_code tec;
            if (now - fs::last_write_time(it->path(), tec) > std::chrono::hours(24) && !tec)
                fs::remove_all(it->path(), tec);
            continue;
        }
        if (!valid_request_id(name) || !it->is_directory(ec)) continue;
        std::string error;
        if (auto entry = get(name, &error))
            entries.push_back(std::move(*entry));
        else if (problems)
            problems->push_back(error);
    }
    std::sort(entries.begin(), entries.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
        return a.request.created != b.request.created ? a.request.created < b.request.created
                                                      : a.request.id < b.request.id;
    });
    return entries;
}

std::string Outbox::write_status(const std::string& id, const DeliveryStatus& status) const {
    if (!valid_request_id(id)) return "invalid request id \"" + id + "\"";
    return write_file_atomic(entry_dir(id) + "/status.json", dump_json(to_json(status), 2));
}

FileLock Outbox::lock(const std::string& id, std::string* error) const {
    if (!valid_request_id(id)) {
        *error = "invalid request id \"" + id + "\"";
        return {};
    }
    Result<FileLock> lock = FileLock::try_acquire(entry_dir(id) + "/lock");
    if (!lock) {
        *error = lock.message();
        return {};
    }
    error->clear();
    return std::move(lock).value();
}

std::string Outbox::retry(const std::string& id) const {
    std::string error;
    auto entry = get(id, &error);
    if (!entry) return error;
    if (entry->status.state == DeliveryState::delivered)
        return "request " + id + " was already delivered (ticket " + entry->status.ticket_id + ")";
    FileLock held = lock(id, &error);
    if (!held.held()) return error.empty() ? "request " + id + " is being sent right now" : error;
    entry->status.state = DeliveryState::pending;
    entry->status.next_attempt = {};
    entry->status.history.push_back(format_time_utc(std::chrono::system_clock::now()) +
                                    ": retry asked for");
    return write_status(id, entry->status);
}

std::string Outbox::remove(const std::string& id) const {
    if (!valid_request_id(id)) return "invalid request id \"" + id + "\"";
    std::error_code ec;
    if (!fs::exists(entry_dir(id), ec)) return "no request " + id + " in the outbox";
    std::string error;
    FileLock held = lock(id, &error);
    if (!held.held()) return error.empty() ? "request " + id + " is being sent right now" : error;
    // Rename first so a half-removed entry is never listed.
    const std::string doomed = dir_ + "/.incoming-removed-" + id;
    fs::rename(entry_dir(id), doomed, ec);
    if (ec) return "cannot remove " + entry_dir(id) + ": " + ec.message();
    fs::remove_all(doomed, ec);
    return "";
}

std::string Outbox::save_copy(const std::string& id, const std::string& to_dir,
                              std::vector<std::string>* written) const {
    std::string error;
    auto entry = get(id, &error);
    if (!entry) return error;
    std::error_code ec;
    fs::create_directories(to_dir, ec);
    if (!fs::is_directory(to_dir, ec)) return "cannot create directory " + to_dir;
    const std::string stem = "fixtray-request-" + id.substr(0, 8);
    const std::string text_path = to_dir + "/" + stem + ".txt";
    if (auto err = write_file_atomic(text_path, request_text(entry->request)); !err.empty())
        return err;
    written->push_back(text_path);
    for (const auto& a : entry->request.attachments) {
        const std::string target = to_dir + "/" + stem + "-" + a.file_name;
        if (auto err = copy_durably(a.path, target); !err.empty()) return err;
        written->push_back(target);
    }
    return "";
}

}  // namespace fixtray
