// Delivery of a support request to the help desk's ticket system: one interface, one
// implementation per kind of system (Request Tracker, e-mail, the HTTPS JSON presets).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "tickets/support_request.h"

namespace fixtray {

class ProcessRunner;

class CancelToken;
class HttpClient;

// What one attempt gave. The outbox sender decides on retries from `kind`.
struct DeliveryResult {
    enum class Kind {
        delivered,  // the ticket exists: ticket_id (and ticket_url when known) are set
        retry,      // a transient failure: network down, timeout, 408/429/5xx
        failed,     // a permanent failure: 4xx (bad credentials, bad queue), bad config
    } kind = Kind::retry;
    std::string ticket_id;
    std::string ticket_url;
    // Delivered without a ticket: handed to the employee to send on ("your mail program", "a
    // folder"). message says what they have to do.
    std::string handed_to;
    std::string message;  // one line a person can act on, naming the server and the status
    std::optional<std::chrono::seconds> retry_after;  // from a Retry-After header
    // The create call may have reached the server (timeout after sending, connection reset
    // while waiting for the answer): the next attempt must look the ticket up first.
    bool maybe_created = false;
};

// Result of looking up a ticket created earlier for a correlation id.
struct LookupResult {
    enum class Kind { found, not_found, unsupported, error } kind = Kind::unsupported;
    std::string ticket_id;
    std::string ticket_url;
    std::string message;  // for error
};

// Backend settings from the "escalation.backend" object of the config file. Values are strings;
// each backend checks the ones it needs and names the missing or bad ones.
struct BackendConfig {
    std::string type;  // "rt", "smtp", "zammad", "glpi", "jira", "freshdesk", "zendesk",
                       // "servicenow", "osticket", "mailto", "save"
    std::map<std::string, std::string> options;  // e.g. url, queue, user, password, token
    std::string where;                           // config file, for messages
    std::string option(const std::string& key, const std::string& fallback = "") const {
        auto it = options.find(key);
        return it == options.end() ? fallback : it->second;
    }
};

class TicketBackend {
public:
    virtual ~TicketBackend() = default;
    // Short name for messages and the outbox, e.g. "Request Tracker at http://127.0.0.1:8080".
    virtual std::string describe() const = 0;
    // Finds the ticket a previous attempt created for request.id, where the API allows it.
    virtual LookupResult find(const SupportRequest& request, const CancelToken& cancel) = 0;
    // Creates the ticket with the attachments. Must not retry by itself.
    virtual DeliveryResult create(const SupportRequest& request, const CancelToken& cancel) = 0;
};

// Builds the backend named by config.type. On bad config fails with a message naming
// config.where and the option. `http` must outlive the backend.
// `runner` starts the desktop's handler for a mailto: link (the mailto fallback); without one
// that backend cannot deliver.
Result<std::unique_ptr<TicketBackend>> make_ticket_backend(const BackendConfig& config,
                                                           HttpClient& http,
                                                           ProcessRunner* runner = nullptr);

// Classifies an HTTP answer (or transport failure) the same way for every HTTP backend.
DeliveryResult::Kind classify_http_status(long status);

}  // namespace fixtray
