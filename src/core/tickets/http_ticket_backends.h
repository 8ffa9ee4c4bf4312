// Factories for the ticket backends that speak a vendor's HTTPS JSON API (the presets) and for
// the fallbacks that need no server. make_ticket_backend() (ticket_backend.h) dispatches here.
#pragma once

#include <memory>
#include <string>

#include "tickets/ticket_backend.h"

namespace fixtray {

class HttpClient;

// config.type one of "zammad", "glpi", "jira", "freshdesk", "zendesk", "servicenow",
// "osticket". Reads (and checks) the options now, secrets from *_file options included. On bad
// config or an unknown type fails with a message naming config.where and the option. `http` must
// outlive the backend.
Result<std::unique_ptr<TicketBackend>> make_http_preset_backend(const BackendConfig& config,
                                                                HttpClient& http);

// config.type "mailto" or "save" (fallback_backends.h describes them). Same error contract.
Result<std::unique_ptr<TicketBackend>> make_fallback_backend(const BackendConfig& config,
                                                             ProcessRunner* runner);

// Is config.type one of the HTTP presets / one of the fallbacks?
bool is_http_preset_type(const std::string& type);
bool is_fallback_type(const std::string& type);

}  // namespace fixtray
