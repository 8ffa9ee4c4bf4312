// make_ticket_backend (declared in ticket_backend.h): the one place that knows every concrete
// ticket system, so the interface itself does not.
#include "tickets/http_ticket_backends.h"
#include "tickets/rt_backend.h"
#include "tickets/smtp_backend.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

std::unique_ptr<TicketBackend> make_ticket_backend(const BackendConfig& config, HttpClient& http,
                                                   std::string* error) {
    if (config.type == "rt") return make_rt_backend(config, http, error);
    if (config.type == "smtp") return make_smtp_backend(config, error);
    if (is_http_preset_type(config.type)) return make_http_preset_backend(config, http, error);
    if (is_fallback_type(config.type)) return make_fallback_backend(config, error);
    *error = config.where + ": escalation.backend.type: unknown ticket system \"" + config.type +
             "\" (rt, smtp, zammad, glpi, jira, freshdesk, zendesk, servicenow, osticket, mailto, "
             "save)";
    return nullptr;
}

}  // namespace fixtray
