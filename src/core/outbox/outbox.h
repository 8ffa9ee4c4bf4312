// The outbox: support requests waiting to reach the help desk. A request is written durably
// (files fsynced, directory renamed into place) before any send is tried, so a crash, a reboot
// or a dead network never loses it.
//
// Layout under <state>/fixtray/outbox:
//   ID/request.json   the SupportRequest (never changed after it is queued)
//   ID/status.json    delivery state, rewritten atomically after every attempt
//   ID/<attachment>   the bundle and any other attachment
//   ID/lock           held (flock) by the one sender working on this request
//   .incoming-ID/     a request being queued; ignored, removed when stale
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "platform/file_lock.h"
#include "tickets/support_request.h"

namespace fixtray {

enum class DeliveryState { pending, delivered, failed };
const char* to_string(DeliveryState s);

struct DeliveryStatus {
    DeliveryState state = DeliveryState::pending;
    int attempts = 0;
    std::chrono::system_clock::time_point queued, last_attempt, next_attempt, delivered;
    // A create call was started and its result is unknown (the sender died or the answer never
    // came): the next attempt looks the ticket up before creating it again.
    bool in_flight = false;
    std::string last_error;  // the last failure, one line
    std::string backend;     // where it was (or is being) sent
    std::string ticket_id, ticket_url;
    // Delivered without a ticket: handed to the employee to send on ("your mail program"), and
    // what they were told to do.
    std::string handed_to, handed_message;
    std::vector<std::string> history;  // "TIME: what happened", one per attempt, oldest first
};

nlohmann::json to_json(const DeliveryStatus& s);
DeliveryStatus delivery_status_from_json(const nlohmann::json& j);

struct OutboxEntry {
    SupportRequest request;  // attachment paths resolved inside the entry directory
    DeliveryStatus status;
    std::string dir;
    // Real name -> pseudonym used in the request and bundle ("alice" -> "user-1"), kept in the
    // entry's pseudonyms.json, readable by the employee only and never sent.
    std::map<std::string, std::string> pseudonyms;
};

// A file to queue with a request; it is copied into the entry (the source is left alone).
struct AttachmentSource {
    std::string file_name;  // name in the ticket; must be a plain file name
    std::string mime_type;
    std::string path;
};

class Outbox {
public:
    explicit Outbox(std::string dir);
    const std::string& dir() const { return dir_; }

    // Queues a request with its attachments, durably, as pending. Fails (with a message naming
    // the path) when the request id is not a UUID, an attachment is missing or the disk is full;
    // nothing half-written is left visible then.
    // `pseudonyms` (real name -> pseudonym) is kept beside it for the employee, never sent.
    Status add(SupportRequest request, const std::vector<AttachmentSource>& attachments,
               const std::map<std::string, std::string>& pseudonyms = {});

    // Every readable entry, oldest first. Unreadable ones are reported through *problems.
    std::vector<OutboxEntry> list(std::vector<std::string>* problems = nullptr) const;
    // The entries not delivered yet (pending and failed), oldest first. Delivered requests live
    // in DIR/delivered/ (archive_delivered), so what this costs depends on what is waiting, not
    // on how many were delivered before. A delivered one still found here (the sender died
    // between recording the delivery and archiving it) is archived now.
    std::vector<OutboxEntry> list_waiting(std::vector<std::string>* problems = nullptr) const;
    // Moves a delivered request into DIR/delivered/ (the caller holds its lock).
    Status archive_delivered(const std::string& id) const;
    // Removes the delivered requests delivered before `before`; returns how many went.
    int prune_delivered(std::chrono::system_clock::time_point before) const;
    // One entry; fails with "no request ID in the outbox" or why it cannot be read.
    Result<OutboxEntry> get(const std::string& id) const;

    // Rewrites an entry's status atomically.
    Status write_status(const std::string& id, const DeliveryStatus& status) const;

    // Takes the entry's sender lock without waiting: an unheld lock when another sender has it
    // (busy is a value), a failure when the id is invalid or the lock file cannot be opened.
    Result<FileLock> lock(const std::string& id) const;

    // Puts a failed (or pending) request back to pending, due now.
    Status retry(const std::string& id) const;
    // Removes an entry (after it was delivered, or when the employee gives up on it).
    Status remove(const std::string& id) const;
    // Copies the request (text + attachments) to a directory the employee chooses, for sending
    // by hand. Returns the files written through *written.
    Status save_copy(const std::string& id, const std::string& to_dir,
                     std::vector<std::string>* written) const;

private:
    std::string dir_;
    // DIR/ID while waiting, DIR/delivered/ID once delivered.
    std::string entry_dir(const std::string& id) const;
    std::string delivered_dir() const { return dir_ + "/delivered"; }
    void collect(const std::string& parent, std::vector<OutboxEntry>& entries,
                 std::vector<std::string>* problems) const;
};

// A request id as the outbox accepts it: a lower-case UUID (no path tricks possible).
bool valid_request_id(const std::string& id);

// The request as plain text: subject, body and attachment list (what `outbox show` prints and
// what save_copy writes).
std::string request_text(const SupportRequest& request);

}  // namespace fixtray
