#include "tickets/http_ticket_backends.h"

#include "tickets/fallback_backends.h"
#include "tickets/http_preset_backend.h"

namespace fixtray {
namespace {

using Factory = Result<std::unique_ptr<TicketBackend>> (*)(const BackendConfig&, HttpClient&);

struct Preset {
    const char* type;
    Factory make;
};

constexpr Preset kPresets[] = {
    {"zammad", make_zammad_backend},     {"glpi", make_glpi_backend},
    {"jira", make_jira_backend},         {"freshdesk", make_freshdesk_backend},
    {"zendesk", make_zendesk_backend},   {"servicenow", make_servicenow_backend},
    {"osticket", make_osticket_backend},
};

}  // namespace

bool is_http_preset_type(const std::string& type) {
    for (const auto& p : kPresets)
        if (type == p.type) return true;
    return false;
}

bool is_fallback_type(const std::string& type) {
    return type == "mailto" || type == "save";
}

Result<std::unique_ptr<TicketBackend>> make_http_preset_backend(const BackendConfig& config,
                                                                HttpClient& http) {
    for (const auto& p : kPresets)
        if (config.type == p.type) return p.make(config, http);
    return Status::error(config.where + ": escalation.backend.type: \"" + config.type +
                         "\" is not an HTTP ticket system (zammad, glpi, jira, freshdesk, zendesk, "
                         "servicenow, osticket)");
}

Result<std::unique_ptr<TicketBackend>> make_fallback_backend(const BackendConfig& config,
                                                             ProcessRunner* runner) {
    if (config.type == "mailto") return make_mailto_backend(config, runner);
    if (config.type == "save") return make_save_backend(config);
    return Status::error(config.where + ": escalation.backend.type: \"" + config.type +
                         "\" is not a fallback (mailto, save)");
}

}  // namespace fixtray
