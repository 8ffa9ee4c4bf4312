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

// Reads a file of the outbox at its size (a few KiB), never more than kMaxRequestJson.
Status read_small_file(const std::string& path, std::string* out) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return Status::error("cannot read " + path);
    const std::streamoff size = in.tellg();
    if (size < 0) return Status::error("cannot read " + path);
    if (static_cast<std::uint64_t>(size) > kMaxRequestJson)
        return Status::error(path + " is too large");
    in.seekg(0);
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), size);
    text.resize(static_cast<std::size_t>(in.gcount()));
    *out = std::move(text);
    return {};
}

Status copy_durably(const std::string& from, const std::string& to) {
    std::error_code ec;
    if (!fs::is_regular_file(from, ec))
        return Status::error("attachment " + from + " is not a regular file");
    if (!fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec))
        return Status::error("cannot copy " + from + " to " + to + ": " + ec.message());
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
            {"handed_to", s.handed_to},
            {"handed_message", s.handed_message},
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
    s.handed_to = j.value("handed_to", "");
    s.handed_message = j.value("handed_message", "");
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

std::string Outbox::entry_dir(const std::string& id) const {
    const std::string waiting = dir_ + "/" + id;
    std::error_code ec;
    if (fs::exists(waiting, ec)) return waiting;
    const std::string delivered = delivered_dir() + "/" + id;
    return fs::exists(delivered, ec) ? delivered : waiting;
}

Status Outbox::add(SupportRequest request, const std::vector<AttachmentSource>& attachments,
                   const std::map<std::string, std::string>& pseudonyms) {
    if (!valid_request_id(request.id))
        return Status::error("invalid request id \"" + request.id + "\"");
    if (Status s = make_private_dirs(dir_); !s) return s;
    const std::string final_dir = dir_ + "/" + request.id;
    std::error_code ec;
    if (fs::exists(final_dir, ec) || fs::exists(delivered_dir() + "/" + request.id, ec))
        return Status::error("request " + request.id + " is already in the outbox");
    const std::string tmp = dir_ + "/.incoming-" + request.id;
    fs::remove_all(tmp, ec);
    if (Status s = make_private_dirs(tmp); !s) return s;
    auto fail = [&](Status failure) {
        fs::remove_all(tmp, ec);
        return failure;
    };

    request.attachments.clear();
    for (const auto& a : attachments) {
        if (!plain_file_name(a.file_name))
            return fail(
                Status::error("attachment name \"" + a.file_name + "\" is not a plain file name"));
        if (Status s = copy_durably(a.path, tmp + "/" + a.file_name); !s) return fail(s);
        const auto size = fs::file_size(tmp + "/" + a.file_name, ec);
        request.attachments.push_back(
            {a.file_name, a.mime_type, a.file_name, ec ? 0 : static_cast<std::uint64_t>(size)});
    }
    DeliveryStatus status;
    status.queued = request.created;
    status.next_attempt = request.created;
    status.history.push_back(format_time_utc(request.created) + ": queued");
    if (Status s = write_file_atomic(tmp + "/request.json", dump_json(to_json(request), 2)); !s)
        return fail(s);
    if (Status s = write_file_atomic(tmp + "/status.json", dump_json(to_json(status), 2)); !s)
        return fail(s);
    // In the private entry directory (0700): the employee's to read, never sent.
    if (!pseudonyms.empty())
        if (Status s = write_file_atomic(tmp + "/pseudonyms.json", dump_json(pseudonyms, 2)); !s)
            return fail(s);
    if (Status s = sync_path(tmp); !s) return fail(s);
    fs::rename(tmp, final_dir, ec);
    if (ec)
        return fail(
            Status::error("cannot move the request into " + final_dir + ": " + ec.message()));
    return sync_path(dir_);
}

Result<OutboxEntry> Outbox::get(const std::string& id) const {
    auto set_error = [](std::string message) -> Result<OutboxEntry> {
        return Status::error(std::move(message));
    };
    if (!valid_request_id(id)) return set_error("no request \"" + id + "\" in the outbox");
    OutboxEntry entry;
    entry.dir = entry_dir(id);
    std::string text;
    if (Status read = read_small_file(entry.dir + "/request.json", &text); !read) {
        std::error_code ec;
        if (!fs::exists(entry.dir, ec)) return set_error("no request " + id + " in the outbox");
        return read;
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
    if (read_small_file(entry.dir + "/status.json", &text)) {
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
    if (read_small_file(entry.dir + "/pseudonyms.json", &text)) {
        const json p = json::parse(text, nullptr, false);
        if (p.is_object())
            for (const auto& [real, alias] : p.items())
                if (alias.is_string()) entry.pseudonyms[real] = alias.get<std::string>();
    }
    return entry;
}

void Outbox::collect(const std::string& parent, std::vector<OutboxEntry>& entries,
                     std::vector<std::string>* problems) const {
    std::error_code ec;
    fs::directory_iterator it(parent, ec);
    if (ec) return;  // none yet
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
        if (Result<OutboxEntry> entry = get(name))
            entries.push_back(std::move(entry).value());
        else if (problems)
            problems->push_back(entry.message());
    }
}

namespace {
void oldest_first(std::vector<OutboxEntry>& entries) {
    std::sort(entries.begin(), entries.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
        return a.request.created != b.request.created ? a.request.created < b.request.created
                                                      : a.request.id < b.request.id;
    });
}
}  // namespace

std::vector<OutboxEntry> Outbox::list(std::vector<std::string>* problems) const {
    std::vector<OutboxEntry> entries;
    collect(dir_, entries, problems);
    collect(delivered_dir(), entries, problems);
    oldest_first(entries);
    return entries;
}

std::vector<OutboxEntry> Outbox::list_waiting(std::vector<std::string>* problems) const {
    std::vector<OutboxEntry> entries;
    collect(dir_, entries, problems);
    std::erase_if(entries, [&](const OutboxEntry& e) {
        if (e.status.state != DeliveryState::delivered) return false;
        if (Result<FileLock> held = lock(e.request.id); held && held->held())
            static_cast<void>(archive_delivered(e.request.id));
        return true;
    });
    oldest_first(entries);
    return entries;
}

Status Outbox::archive_delivered(const std::string& id) const {
    if (!valid_request_id(id)) return Status::error("invalid request id \"" + id + "\"");
    const std::string from = dir_ + "/" + id;
    std::error_code ec;
    if (!fs::exists(from, ec)) return {};  // archived already
    if (Status s = make_private_dirs(delivered_dir()); !s) return s;
    // Not synced: a move lost in a crash leaves a delivered entry in place, which the next
    // list_waiting() moves again. Its status (delivered) was written durably before.
    fs::rename(from, delivered_dir() + "/" + id, ec);
    if (ec)
        return Status::error("cannot move " + from + " to " + delivered_dir() + ": " +
                             ec.message());
    return {};
}

int Outbox::prune_delivered(std::chrono::system_clock::time_point before) const {
    // Cheap enough for every `outbox send`: at most once an hour (the time of the marker
    // file), and only entries whose directory has not changed since `before` are read.
    std::error_code ec;
    const std::string marker = delivered_dir() + "/.pruned";
    const auto file_now = fs::file_time_type::clock::now();
    if (const auto last = fs::last_write_time(marker, ec);
        !ec && file_now - last < std::chrono::hours(1) && last <= file_now)
        return 0;
    if (!fs::is_directory(delivered_dir(), ec)) return 0;
    std::ofstream(marker).close();
    fs::last_write_time(marker, file_now, ec);
    const auto file_before = file_now - std::chrono::duration_cast<fs::file_time_type::duration>(
                                            std::chrono::system_clock::now() - before);
    int removed = 0;
    for (fs::directory_iterator it(delivered_dir(), ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const std::string id = it->path().filename().string();
        if (!valid_request_id(id)) continue;
        std::error_code tec;
        if (fs::last_write_time(it->path(), tec) >= file_before || tec) continue;
        const Result<OutboxEntry> e = get(id);
        if (!e || e->status.state != DeliveryState::delivered || e->status.delivered >= before)
            continue;
        if (remove(id)) ++removed;
    }
    return removed;
}

Status Outbox::write_status(const std::string& id, const DeliveryStatus& status) const {
    if (!valid_request_id(id)) return Status::error("invalid request id \"" + id + "\"");
    return write_file_atomic(entry_dir(id) + "/status.json", dump_json(to_json(status), 2));
}

Result<FileLock> Outbox::lock(const std::string& id) const {
    if (!valid_request_id(id)) return Status::error("invalid request id \"" + id + "\"");
    return FileLock::try_acquire(entry_dir(id) + "/lock");
}

Status Outbox::retry(const std::string& id) const {
    Result<OutboxEntry> entry = get(id);
    if (!entry) return entry.status();
    if (entry->status.state == DeliveryState::delivered)
        return Status::error("request " + id + " was already delivered (ticket " +
                             entry->status.ticket_id + ")");
    Result<FileLock> held = lock(id);
    if (!held) return held.status();
    if (!held->held()) return Status::error("request " + id + " is being sent right now");
    entry->status.state = DeliveryState::pending;
    entry->status.next_attempt = {};
    entry->status.history.push_back(format_time_utc(std::chrono::system_clock::now()) +
                                    ": retry asked for");
    return write_status(id, entry->status);
}

Status Outbox::remove(const std::string& id) const {
    if (!valid_request_id(id)) return Status::error("invalid request id \"" + id + "\"");
    std::error_code ec;
    if (!fs::exists(entry_dir(id), ec)) return Status::error("no request " + id + " in the outbox");
    Result<FileLock> held = lock(id);
    if (!held) return held.status();
    if (!held->held()) return Status::error("request " + id + " is being sent right now");
    // Rename first so a half-removed entry is never listed.
    const std::string doomed = dir_ + "/.incoming-removed-" + id;
    fs::rename(entry_dir(id), doomed, ec);
    if (ec) return Status::error("cannot remove " + entry_dir(id) + ": " + ec.message());
    fs::remove_all(doomed, ec);
    return {};
}

Status Outbox::save_copy(const std::string& id, const std::string& to_dir,
                         std::vector<std::string>* written) const {
    Result<OutboxEntry> entry = get(id);
    if (!entry) return entry.status();
    std::error_code ec;
    fs::create_directories(to_dir, ec);
    if (!fs::is_directory(to_dir, ec)) return Status::error("cannot create directory " + to_dir);
    const std::string stem = "fixtray-request-" + id.substr(0, 8);
    const std::string text_path = to_dir + "/" + stem + ".txt";
    if (Status s = write_file_atomic(text_path, request_text(entry->request)); !s) return s;
    written->push_back(text_path);
    for (const auto& a : entry->request.attachments) {
        const std::string target = to_dir + "/" + stem + "-" + a.file_name;
        if (Status s = copy_durably(a.path, target); !s) return s;
        written->push_back(target);
    }
    return {};
}

}  // namespace fixtray
