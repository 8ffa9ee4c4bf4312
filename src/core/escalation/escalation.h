// Turning a failed fix into a support request: the subject and text a technician reads first.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/secret_mask.h"
#include "diagnostics/bundle.h"
#include "diagnostics/diagnostics.h"
#include "engine/run_record.h"
#include "escalation/escalation_config.h"
#include "packs/fix_pack.h"
#include "platform/platform_paths.h"
#include "tickets/support_request.h"

namespace fixtray {

struct RequestInputs {
    const RunRecord* run = nullptr;  // the failed run, if the request is about one
    const Fix* fix = nullptr;        // the fix, if known (with or without a run)
    const FixPack* pack = nullptr;   // its pack: steps of the fix without a record are listed
                                     // as not run when this is the version that ran
    std::string lang = "en";         // for the fix's title
    std::string comment;             // the employee's words
    Contact contact;
    std::string os;  // e.g. "Debian GNU/Linux 12 (bookworm)"
    std::chrono::system_clock::time_point now;
    // Values that must never leave the machine (known_secrets): masked in the request text, the
    // comment and every bundle file.
    std::vector<std::string> secrets;
};

// Fills in id (a new UUID), created, subject, description, comment, contact, user, host, os,
// fix_id and run_id. `redact` is applied to every text that comes from the machine (step
// output, messages, argv) before it goes into the request; pass the bundle's redactor so the
// ticket and the bundle hide the same things.
SupportRequest build_support_request(const RequestInputs& in, const UserEnvironment& env,
                                     const std::function<std::string(std::string_view)>& redact);

// The contact an employee gets without typing anything: their display name from the password
// database (or login name) and login@email_domain when the help desk set a domain.
Contact default_contact(const UserEnvironment& env, const std::string& email_domain);

// "Debian GNU/Linux 12 (bookworm)" from /etc/os-release, or the platform name.
std::string os_description();

// Everything a support request needs, ready for review before it is queued.
struct PreparedEscalation {
    std::string error;  // empty on success; else nothing usable was made
    SupportRequest request;
    std::string bundle_path;  // the redacted bundle (under work_dir)
    DiagnosticsReport diagnostics;
    BundleWritten bundle;
    std::vector<std::string> warnings;  // items left out, problems of the default set
    bool ok() const { return error.empty(); }
};

// prepare_escalation's progress: the items as they run (DiagnosticsObserver, from worker
// threads, serialised) and, once before any starts, the list of items that will run.
class PrepareObserver : public DiagnosticsObserver {
public:
    virtual void items_planned(const std::vector<DiagnosticItem>& /*items*/) {}
};

// Collects the default diagnostics plus the fix's own (variables expanded with `vars`), writes
// the redacted bundle to work_dir, and builds the request text with the same redaction rules.
// Blocks; cancellable; progress through `observer`.
PreparedEscalation prepare_escalation(const RequestInputs& in, const EscalationConfig& config,
                                      const Variables& vars, const UserEnvironment& env,
                                      ProcessRunner& runner, const std::string& work_dir,
                                      const CancelToken& cancel,
                                      PrepareObserver* observer = nullptr);

// The redaction rules for a machine: the site's patterns, the known `secrets`, and the user's
// and host's names when the site asked for pseudonyms.
RedactionRules redaction_rules_for(const EscalationConfig& config, const UserEnvironment& env,
                                   const std::vector<std::string>& secrets = {});

// The values this machine knows to be secret: `site_secrets` (the site's values of params a pack
// declares secret: secret_site_values), the ticket system's credentials from the escalation
// config (password, token, API key, secret options), and the passwords of the proxies in the
// environment (http_proxy, https_proxy, all_proxy, ftp_proxy, in either case).
std::vector<std::string> known_secrets(const EscalationConfig& config,
                                       const std::vector<std::string>& site_secrets);

// The site's values of the params that some pack in `packs` declares secret="true".
std::vector<std::string> secret_site_values(const std::vector<const FixPack*>& packs,
                                            const std::map<std::string, std::string>& site_values);

// Where a request about to be queued still holds one of `secrets`: "the subject", "the
// description", "the comment", "the contact", "the attachment NAME (FILE)" (every file of a
// diagnostics bundle is read), or "" when nowhere. A request that holds one is not queued: the
// ticket's promise that secrets were masked must be true.
std::string find_known_secret(const SupportRequest& request, const SecretMask& secrets);

}  // namespace fixtray
