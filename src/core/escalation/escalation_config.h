// The help desk's escalation settings: the "escalation" object of the same config files as the
// site values (/etc/fixtray/fixtray.json, then --config).
//
//   { "escalation": {
//       "policy": "ask",                        // off | ask (default) | automatic
//       "backend": { "type": "rt", "url": "https://rt.example.com", "queue": "Laptops",
//                    "token_file": "/etc/fixtray/rt.token" },
//       "email_domain": "example.com",          // contact e-mail = login name @ domain
//       "max_bundle_bytes": 10485760,
//       "retry": { "initial_seconds": 30, "max_seconds": 3600 },
//       "redaction": { "pseudonyms": false, "patterns": [ "EMP-[0-9]{6}" ] } } }
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "packs/site_config.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

enum class EscalationPolicy {
    off,       // never send; fixctl escalate refuses
    ask,       // the employee reviews the request and sends it
    automatic  // unattended runs send without asking
};
const char* to_string(EscalationPolicy p);

struct EscalationConfig {
    EscalationPolicy policy = EscalationPolicy::ask;
    // Where requests go. Without one, requests are saved for the employee to send by hand.
    std::optional<BackendConfig> backend;
    std::string email_domain;
    std::uint64_t max_bundle_bytes = 10ull * 1024 * 1024;
    std::chrono::seconds retry_initial{30};
    std::chrono::seconds retry_max{3600};
    // retry.settle_seconds: RetryPolicy::settle (how long a server may take to save a ticket).
    std::chrono::seconds retry_settle{60};
    // Delivered requests are kept this long (for `fixctl outbox` and the tray's list), then
    // removed. "keep_delivered_days"; 0 keeps them forever.
    std::chrono::hours keep_delivered{24 * 30};
    bool pseudonyms = false;            // replace user and host names in what is sent
    std::vector<std::string> patterns;  // extra regexes to mask (RE2 syntax)
    std::vector<std::string> files;     // config files that set something here
};

// Merges the "escalation" object of one config document over *config (later files override
// the keys they set; a "backend" object replaces the earlier one as a whole). Other top-level
// keys are left to their own readers. On any error *config is unchanged.
std::vector<ConfigProblem> merge_escalation_config(std::string_view json, const std::string& file,
                                                   EscalationConfig* config);
std::vector<ConfigProblem> merge_escalation_config_file(const std::string& path, bool required,
                                                        EscalationConfig* config);

}  // namespace fixtray
