// The escalation session: one support request, from "ask the help desk" to the outbox, for
// every front end (fixctl escalate / run --escalate / diagnose; the tray's "ask IT for help"
// window). It holds no UI: it reports progress through EscalationObserver and answers with
// values; the front end shows them.
//
// A session goes: gate() → what the request is about (about_run / about_run_id / about_fix;
// nothing: the default diagnostics only) → prepare() (collect, redact, bundle) → the employee
// reviews: items(), item_text(), remove_item(), set_subject() / set_description() /
// set_comment() / set_email() → queue() → deliver(). discard() (or the destructor) removes
// an unqueued bundle. Nothing leaves the machine before queue(), and queue() refuses while
// the gate is closed. prepare() is not gated: `fixctl diagnose` writes a bundle for the
// employee whatever the policy.
//
// Not thread-safe: one thread at a time drives a session. prepare() and deliver() block;
// cancel them from any thread through their CancelToken.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "engine/run_record.h"
#include "escalation/escalation.h"
#include "escalation/escalation_config.h"
#include "outbox/outbox_sender.h"
#include "packs/catalog.h"
#include "packs/site_config.h"
#include "platform/platform_paths.h"
#include "tickets/support_request.h"

namespace fixtray {

class CancelToken;
class Clock;
class HttpClient;
class ProcessRunner;
class TicketBackend;

// What went wrong, as a value. `message` is one line for the employee, in the user's language
// (tr()): what happened and, where there is one, what to do about it. A reason from below
// (a file system error, the collector's) is quoted in it as it came, English.
struct EscalationError {
    enum class Kind {
        none,
        refused,      // the help desk's policy does not allow it
        not_found,    // no such fix or run
        invalid,      // an edit that cannot be taken (empty subject, not an e-mail address)
        failed,       // collecting, writing or queueing failed
        cancelled,    // through the CancelToken
        wrong_state,  // out of order: review before prepare, an edit after queue...
    } kind = Kind::none;
    std::string message;
    explicit operator bool() const { return kind != Kind::none; }
};

// What the help desk's settings allow, known before anything is collected.
struct EscalationGate {
    bool allowed = false;             // may a request be queued at all?
    std::string reason;               // when not allowed: why, for the employee (tr())
    bool review_required = true;      // policy "ask": the employee sees it before it is queued
    bool backend_configured = false;  // a ticket system (or mailto/save) is configured
    std::string backend_problem;      // it is configured but cannot be used: why (English)
    // Where a request goes: the backend's description ("Request Tracker at https://..."), or
    // without a usable backend the folder a copy is saved to.
    std::string destination;
};

// Which run a request about a fix quotes.
enum class RunChoice {
    none,    // no run: "help needed with this fix"
    latest,  // the fix's latest run in the audit log (none when it never ran)
    recent,  // its latest run if that ended within kRecentRunWindow, else none
};

// How long after a run "help with this fix" is taken to be about that run (RunChoice::recent).
inline constexpr std::chrono::hours kRecentRunWindow{24};

// One file in the bundle as the employee sees it.
struct BundleItem {
    std::string file;    // its name in the bundle ("network.addresses.txt"): the key below
    std::string title;   // for people, in the user's language: "Network addresses"
    std::string source;  // where it came from: a command line, a path, a fact id; "" manifest
    std::uint64_t size;  // bytes as sent (redacted, uncompressed)
    bool removable;      // false for the manifest
};

// Progress of prepare(). collecting() comes from the thread that called prepare(); the item
// calls come from worker threads, serialised. They must return quickly and must not throw.
class EscalationObserver {
public:
    virtual ~EscalationObserver() = default;
    virtual void collecting(std::size_t /*total*/) {}
    virtual void item_started(std::size_t /*index*/, const std::string& /*title*/) {}
    virtual void item_finished(std::size_t /*index*/, const std::string& /*title*/,
                               const DiagnosticResult&) {}
};

// What deliver() did.
struct EscalationDelivery {
    // The outbox sender's report; without a usable backend: will_retry with a message naming
    // where the copy was saved (or error with why saving failed).
    SendReport report;
    std::string backend_problem;  // the configured backend could not be used (copy saved)
    std::string saved_dir;        // without a usable backend: where the copy went
    std::vector<std::string> saved_files;
};

struct EscalationSetup {
    EscalationConfig config;
    SiteConfig site;  // values for the fix's own diagnostics
    UserEnvironment env;
    std::string state_dir;  // fixtray's state directory: audit log, outbox/, tmp/
    std::string lang = "en";
    std::string os;  // for the request text; empty: os_description()
};

class EscalationSession {
public:
    // runner, http and clock must outlive the session; so must a catalog passed to about_*.
    EscalationSession(EscalationSetup setup, ProcessRunner& runner, HttpClient& http, Clock& clock);
    ~EscalationSession();
    EscalationSession(const EscalationSession&) = delete;
    EscalationSession& operator=(const EscalationSession&) = delete;

    const EscalationGate& gate() const { return gate_; }

    // --- What the request is about (before prepare) ---------------------------------------
    // A run that just ended. Its fix (fix_id, else the run's) is looked up in `catalog`; a fix
    // that is not there leaves the request without the fix's own diagnostics, not an error.
    EscalationError about_run(const Catalog& catalog, RunRecord run,
                              const std::string& fix_id = "");
    // The run with this id in the audit log; not_found, naming the log, when there is none.
    EscalationError about_run_id(const Catalog& catalog, const std::string& run_id,
                                 const std::string& fix_id = "");
    // A fix of this machine (not_found when there is none), and which run to quote.
    EscalationError about_fix(const Catalog& catalog, const std::string& fix_id, RunChoice run);
    const RunRecord* run() const { return run_ ? &*run_ : nullptr; }
    const Fix* fix() const { return entry_ ? entry_->fix : nullptr; }

    // --- Collect --------------------------------------------------------------------------
    // Collects the default diagnostics and the fix's own, redacts them, writes the bundle
    // under state_dir/tmp and builds the request text. Blocks. cancelled when `cancel` fired
    // (running commands are stopped, nothing is kept); failed with why otherwise. May be
    // called again before queue() to collect afresh.
    EscalationError prepare(const CancelToken& cancel, EscalationObserver* observer = nullptr);
    bool prepared() const { return prepared_; }
    // Items left out and problems of the default set (after prepare).
    const std::vector<std::string>& warnings() const { return warnings_; }
    const DiagnosticsReport& diagnostics() const { return diagnostics_; }

    // --- Review (after prepare) -----------------------------------------------------------
    const SupportRequest& request() const { return request_; }
    // What the bundle holds now, in archive order (the manifest first).
    const std::vector<BundleItem>& items() const { return items_; }
    // The bundle's manifest as it is now (a removed item is marked "removed": true).
    const nlohmann::json& manifest() const { return manifest_; }
    // The compressed bundle's size: the attachment's size in the request.
    std::uint64_t bundle_size() const;
    const std::string& bundle_path() const { return bundle_path_; }
    // The item's text exactly as it will be sent (redacted).
    EscalationError item_text(const std::string& file, std::string* text) const;
    // Takes the item out of the bundle; the manifest records that it was held back, and the
    // request's attachment size follows.
    EscalationError remove_item(const std::string& file);

    // Edits: before prepare they replace what prepare generates, after it the request. Refused
    // after queue(). Subject: one line, not empty. E-mail: an address or "" for none.
    EscalationError set_subject(const std::string& subject);
    EscalationError set_description(const std::string& description);
    // The comment is redacted with the same rules as the rest (a password the employee typed
    // becomes ***); comment_masked() says how many things were masked in it, for the review.
    EscalationError set_comment(const std::string& comment);
    int comment_masked() const { return comment_masked_; }
    EscalationError set_email(const std::string& email);

    // --- Send -----------------------------------------------------------------------------
    // Queues the request with the bundle in the outbox (state_dir/outbox), durably; the work
    // copy of the bundle is removed. refused while the gate is closed; failed, with nothing
    // queued, while the request still holds a secret the machine knows (find_known_secret).
    EscalationError queue();
    bool queued() const { return queued_; }
    // One delivery attempt now for the queued request; without a usable backend, a copy is
    // saved to the desktop (desktop_dir) for the employee to send by hand.
    EscalationDelivery deliver(const CancelToken& cancel);

    // Moves the bundle to `path` instead of queueing it (fixctl diagnose).
    EscalationError save_bundle(const std::string& path);
    // Removes an unqueued bundle; the session can prepare again.
    void discard();

private:
    EscalationError check_editable() const;
    void learn_secrets(const Catalog& catalog);
    EscalationError refresh_items();

    EscalationSetup setup_;
    ProcessRunner& runner_;
    HttpClient& http_;
    Clock& clock_;
    std::unique_ptr<TicketBackend> backend_;
    EscalationGate gate_;

    std::optional<RunRecord> run_;
    std::optional<CatalogEntry> entry_;

    std::optional<std::string> subject_, description_;
    std::string comment_;
    int comment_masked_ = 0;
    std::vector<std::string> secrets_;  // known_secrets(), set with what the request is about
    std::map<std::string, std::string> pseudonyms_;  // of the prepared bundle, kept with it
    std::optional<std::string> email_;

    bool prepared_ = false, queued_ = false;
    SupportRequest request_;
    DiagnosticsReport diagnostics_;
    std::vector<std::string> warnings_;
    std::string bundle_path_;
    nlohmann::json manifest_;
    std::vector<BundleItem> items_;
};

// The employee's desktop folder, as xdg-user-dirs defines it: XDG_DESKTOP_DIR from
// $XDG_CONFIG_HOME/user-dirs.dirs ("$HOME/Path" or "/Path", shell quoting), else $HOME/Desktop
// (xdg-user-dir's default for DESKTOP). The folder need not exist.
std::string desktop_dir(const UserEnvironment& env);

// The title a person reads for a bundle item: "Network addresses" for the fact
// network.addresses (a built-in fact's title in the user's language), "App config" for an item
// named app-config.
std::string bundle_item_title(DiagnosticItem::Kind kind, const std::string& name,
                              const std::string& source);

}  // namespace fixtray
