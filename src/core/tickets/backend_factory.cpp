// make_ticket_backend (declared in ticket_backend.h): the one place that knows every concrete
// ticket system, so the interface itself does not.
#include "tickets/http_ticket_backends.h"
#include "tickets/rt_backend.h"
#include "tickets/smtp_backend.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

Result<std::unique_ptr<TicketBackend>> make_ticket_backend(const BackendConfig& config,
                                                           HttpClient& http,
                                                           ProcessRunner* runner) {
    if (config.type == "rt") return make_rt_backend(config, http);
    if (config.type == "smtp") return make_smtp_backend(config);
    if (is_http_preset_type(config.type)) return make_http_preset_backend(config, http);
    if (is_fallback_type(config.type)) return make_fallback_backend(config, runner);
    return Status::error(
        config.where + ": escalation.backend.type: unknown ticket system \"" + config.type +
        "\" (rt, smtp, zammad, glpi, jira, freshdesk, zendesk, servicenow, osticket, mailto, "
        "save)");
}

}  // namespace fixtray
