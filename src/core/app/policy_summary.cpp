#include "app/policy_summary.h"

#include <ctime>

#include "base/i18n.h"

namespace fixtray {

namespace {

std::string backend_name(const std::string& type) {
    if (type == "rt") return "Request Tracker";
    if (type == "smtp") return tr("e-mail");
    if (type == "zammad") return "Zammad";
    if (type == "glpi") return "GLPI";
    if (type == "jira") return "Jira Service Management";
    if (type == "freshdesk") return "Freshdesk";
    if (type == "zendesk") return "Zendesk";
    if (type == "servicenow") return "ServiceNow";
    if (type == "osticket") return "osTicket";
    if (type == "mailto") return tr("your e-mail program");
    if (type == "save") return tr("a file you send yourself");
    return type;
}

// Where a backend delivers, without credentials: its web address without user information,
// or its recipient address.
std::string backend_target(const BackendConfig& b) {
    std::string url = b.option("url");
    if (!url.empty()) {
        const auto scheme = url.find("://");
        const auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
        const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
        if (scheme != std::string::npos && at != std::string::npos &&
            (slash == std::string::npos || at < slash))
            url.erase(scheme + 3, at - scheme - 2);
        return url;
    }
    for (const char* key : {"to", "address"})
        if (std::string v = b.option(key); !v.empty()) return v;
    return "";
}

}  // namespace

std::string local_time_text(std::chrono::system_clock::time_point t) {
    if (t.time_since_epoch().count() == 0) return tr("never");
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
#if defined(_WIN32)
    if (localtime_s(&tm, &tt) != 0) return tr("never");  // the Windows C runtime's localtime_r
#else
    if (!localtime_r(&tt, &tm)) return tr("never");
#endif
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

std::vector<PolicyRow> policy_summary(const EscalationConfig& escalation,
                                      const MachineCatalog& catalog) {
    std::vector<PolicyRow> rows;
    std::string policy;
    switch (escalation.policy) {
        case EscalationPolicy::off:
            policy = tr("Turned off: fixtray does not send requests to IT.");
            break;
        case EscalationPolicy::ask:
            policy = tr("You read a request and decide whether it is sent.");
            break;
        case EscalationPolicy::automatic:
            policy = tr("A request is sent by itself when a fix does not help.");
            break;
    }
    rows.push_back({tr("Requests to IT"), policy});

    std::string where;
    if (!escalation.backend)
        where = tr("Nowhere yet: requests are kept on this computer for you to send.");
    else if (const std::string target = backend_target(*escalation.backend); !target.empty())
        where = trf("%s at %s", {backend_name(escalation.backend->type), target});
    else
        where = backend_name(escalation.backend->type);
    rows.push_back({tr("Requests go to"), where});

    const FeedConfig& feed = catalog.config().feed;
    const FeedState& state = catalog.feed_state();
    if (feed.url.empty()) {
        rows.push_back({tr("Fixes from IT"), tr("Not set up on this computer.")});
    } else {
        rows.push_back({tr("Fixes from IT"), feed.url});
        rows.push_back({tr("Last update"), local_time_text(state.last_success)});
        if (state.expires.time_since_epoch().count() != 0)
            rows.push_back(
                {tr("Valid until"), catalog.feed_expired()
                                        ? trf("%s (expired)", {local_time_text(state.expires)})
                                        : local_time_text(state.expires)});
        if (!state.last_error.empty()) rows.push_back({tr("Last problem"), state.last_error});
    }

    std::string off;
    for (const auto& w : catalog.withdrawn()) {
        if (!off.empty()) off += "\n";
        // TRANSLATORS: a fix turned off: its id, then who turned it off.
        off += trf("%s: %s", {w.fix_id, w.revoked ? tr("withdrawn by IT through the feed")
                                                  : tr("turned off by your organisation")});
    }
    rows.push_back({tr("Fixes turned off"), off.empty() ? tr("None.") : off});
    return rows;
}

}  // namespace fixtray
