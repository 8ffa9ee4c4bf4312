// A support request: what fixtray sends to the help desk when a fix did not work. Plain data,
// written to the outbox before any send and read back by the sender (JSON, versioned).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace fixtray {

struct Contact {
    std::string name;   // the employee's display name (or login name)
    std::string email;  // where the help desk answers; may be empty
    std::string phone;  // optional
};

// A file that travels with the request (the diagnostics bundle). The bytes live in a file
// next to the request in the outbox; backends read them with read_attachment().
struct AttachmentRef {
    std::string file_name;  // name shown in the ticket, e.g. "fixtray-diagnostics.tar.gz"
    std::string mime_type;  // e.g. "application/gzip"
    std::string path;       // absolute path of the bytes on this machine
    std::uint64_t size = 0;
};

struct SupportRequest {
    // Correlation id: a UUID, fixed when the request is created. Also the idempotency key: it
    // goes into every ticket (subject tag, header or field) so a retried create can be matched.
    std::string id;
    std::chrono::system_clock::time_point created;
    std::string subject;      // one line
    std::string description;  // plain text: what was tried, each step and result, verify
    std::string comment;      // the employee's own words (may be empty)
    Contact contact;
    std::string user, host;      // as seen on the machine (may be pseudonymised in the text)
    std::string os;              // e.g. "Debian GNU/Linux 12 (bookworm)"
    std::string fix_id, run_id;  // empty when not escalating a run
    std::vector<AttachmentRef> attachments;

    // The tag put into ticket subjects so a request can be found again: "[fixtray:ID]".
    std::string correlation_tag() const { return "[fixtray:" + id + "]"; }
    // subject + " " + correlation_tag(): what backends use as the ticket title.
    std::string tagged_subject() const { return subject + " " + correlation_tag(); }
    // description, then the comment and contact block: the ticket body.
    std::string body() const;
};

nlohmann::json to_json(const SupportRequest& r);
// Throws nlohmann::json::exception on malformed input.
SupportRequest support_request_from_json(const nlohmann::json& j);

// Reads an attachment's bytes (at most max_bytes; more is a failure).
Result<std::string> read_attachment(const AttachmentRef& a,
                                    std::uint64_t max_bytes = 64ull * 1024 * 1024);

}  // namespace fixtray
