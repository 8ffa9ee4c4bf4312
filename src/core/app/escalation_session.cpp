#include "app/escalation_session.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <system_error>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/i18n.h"
#include "diagnostics/bundle.h"
#include "engine/audit_log.h"
#include "engine/engine.h"
#include "outbox/outbox.h"
#include "packs/variables.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

namespace fs = std::filesystem;

namespace {

using Kind = EscalationError::Kind;

EscalationError error(Kind kind, std::string message) {
    return {kind, std::move(message)};
}

constexpr const char* kManifest = "manifest.json";
// RT keeps at most 200 characters of a subject; other systems more. One limit for all.
constexpr std::size_t kMaxSubject = 200;
constexpr std::size_t kMaxText = 64 * 1024;

// Titles of the built-in facts (older spellings included), by fact id, in English: tr() gives
// them in the user's language.
const std::map<std::string, const char*>& fact_titles() {
    static const std::map<std::string, const char*> titles = {
        // TRANSLATORS: this and the following titles say what an item of the diagnostics sent
        // to the help desk holds, in the list the employee reviews before sending.
        {"os", N_("Operating system")},
        {"uptime", N_("Uptime and load")},
        {"memory", N_("Memory")},
        {"disk", N_("Disk space")},
        {"disk.free", N_("Disk space")},
        {"network.interfaces", N_("Network interfaces")},
        {"network.addresses", N_("Network addresses")},
        {"network.routes", N_("Network routes")},
        {"dns.config", N_("DNS settings")},
        {"network.dns", N_("DNS settings")},
        {"dns.test", N_("DNS test")},
        {"proxy", N_("Proxy settings")},
        {"network.proxy", N_("Proxy settings")},
        {"printers", N_("Printers")},
        {"log.recent", N_("Recent system log")},
        {"run.record", N_("Record of the fix's run")},
        {"processes", N_("Running programs")},
        {"hosts", N_("Host name table (hosts file)")},
    };
    return titles;
}

std::optional<DiagnosticItem::Kind> kind_from_name(const std::string& name) {
    if (name == "command") return DiagnosticItem::Kind::command;
    if (name == "file") return DiagnosticItem::Kind::file;
    if (name == "fact") return DiagnosticItem::Kind::fact;
    return std::nullopt;
}

std::string json_string(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Adds titles to prepare_escalation's progress.
class TitledProgress final : public PrepareObserver {
public:
    explicit TitledProgress(EscalationObserver* out) : out_(out) {}
    void items_planned(const std::vector<DiagnosticItem>& items) override {
        titles_.clear();
        for (const auto& i : items)
            titles_.push_back(bundle_item_title(i.kind, i.name, i.fact.empty() ? i.name : i.fact));
        if (out_) out_->collecting(items.size());
    }
    void item_started(std::size_t index, const DiagnosticItem& item) override {
        if (out_) out_->item_started(index, title(index, item.name));
    }
    void item_finished(std::size_t index, const DiagnosticResult& r) override {
        if (out_) out_->item_finished(index, title(index, r.name), r);
    }

private:
    std::string title(std::size_t index, const std::string& fallback) const {
        return index < titles_.size() ? titles_[index] : fallback;
    }
    EscalationObserver* out_;
    std::vector<std::string> titles_;  // written before any item starts, then only read
};

Status check_email(const std::string& email) {
    if (email.empty()) return {};
    const auto at = email.find('@');
    bool ok = email.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < email.size() &&
              email.find('@', at + 1) == std::string::npos && email[at + 1] != '.' &&
              email.back() != '.';
    for (unsigned char c : email)
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' ||
            c == '(' || c == ')' || c == '\\')
            ok = false;
    if (ok) return {};
    // TRANSLATORS: %s is what the employee typed.
    return Status::error(trf("\"%s\" is not an e-mail address (like name@example.com)", {email}));
}

}  // namespace

std::string bundle_item_title(DiagnosticItem::Kind kind, const std::string& name,
                              const std::string& source) {
    if (kind == DiagnosticItem::Kind::fact) {
        if (auto it = fact_titles().find(source); it != fact_titles().end()) return tr(it->second);
        if (auto it = fact_titles().find(name); it != fact_titles().end()) return tr(it->second);
    }
    // A name from a pack: words from its separators, the first capitalised, no control
    // characters, at most 80 characters.
    std::string title;
    for (unsigned char c : name) {
        if (title.size() >= 80) break;
        if (c == '.' || c == '-' || c == '_' || c < 0x20 || c == 0x7f) {
            if (!title.empty() && title.back() != ' ') title.push_back(' ');
        } else {
            title.push_back(static_cast<char>(c));
        }
    }
    while (!title.empty() && title.back() == ' ') title.pop_back();
    // TRANSLATORS: the title of a diagnostics item whose name gives none.
    if (title.empty()) return tr("Unnamed item");
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    return title;
}

std::string desktop_dir(const UserEnvironment& env) {
    // The file is meant to be sourced by a shell: the last assignment wins.
    std::string found;
    std::ifstream in(env.config + "/user-dirs.dirs");
    std::string line;
    const std::string key = "XDG_DESKTOP_DIR";
    while (std::getline(in, line)) {
        std::size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos || line[i] == '#') continue;
        if (line.compare(i, key.size(), key) != 0) continue;
        i = line.find_first_not_of(" \t", i + key.size());
        if (i == std::string::npos || line[i] != '=') continue;
        i = line.find_first_not_of(" \t", i + 1);
        if (i == std::string::npos) continue;
        const bool quoted = line[i] == '"';
        if (quoted) ++i;
        std::string value;
        if (line.compare(i, 5, "$HOME") == 0 &&
            (i + 5 == line.size() || line[i + 5] == '/' || line[i + 5] == '"')) {
            value = env.home;
            i += 5;
        } else if (i >= line.size() || line[i] != '/') {
            continue;  // neither "$HOME/Path" nor "/Path": the spec's only two forms
        }
        for (; i < line.size(); ++i) {
            if (quoted && line[i] == '"') break;
            if (!quoted && (line[i] == ' ' || line[i] == '\t')) break;
            if (line[i] == '\\' && i + 1 < line.size()) ++i;
            value.push_back(line[i]);
        }
        while (value.size() > 1 && value.back() == '/') value.pop_back();
        found = value;
    }
    return found.empty() ? env.home + "/Desktop" : found;
}

EscalationSession::EscalationSession(EscalationSetup setup, ProcessRunner& runner, HttpClient& http,
                                     Clock& clock)
    : setup_(std::move(setup)),
      runner_(runner),
      http_(http),
      clock_(clock),
      secrets_(known_secrets(setup_.config, {})) {  // and the site's, once the catalog is known
    const EscalationConfig& config = setup_.config;
    gate_.allowed = config.policy != EscalationPolicy::off;
    if (!gate_.allowed)
        gate_.reason =
            // TRANSLATORS: why no request can be sent; "escalation.policy" and "off" are a
            // setting and its value: leave them as they are.
            tr("your help desk has turned support requests off on this machine "
               "(escalation.policy is \"off\")");
    gate_.review_required = config.policy == EscalationPolicy::ask;
    gate_.backend_configured = config.backend.has_value();
    if (config.backend) {
        Result<std::unique_ptr<TicketBackend>> made =
            make_ticket_backend(*config.backend, http_, &runner_);
        if (made)
            backend_ = std::move(made).value();
        else
            gate_.backend_problem = made.message();
    }
    gate_.destination = backend_ ? backend_->describe() : desktop_dir(setup_.env);
}

EscalationSession::~EscalationSession() {
    discard();
}

void EscalationSession::learn_secrets(const Catalog& catalog) {
    std::vector<const FixPack*> packs;
    for (const CatalogEntry& e : catalog.fixes(current_platform()))
        if (std::find(packs.begin(), packs.end(), e.pack) == packs.end()) packs.push_back(e.pack);
    secrets_ = known_secrets(setup_.config, secret_site_values(packs, setup_.site.values));
}

EscalationError EscalationSession::about_run(const Catalog& catalog, RunRecord run,
                                             const std::string& fix_id) {
    if (prepared_ || queued_)
        return error(Kind::wrong_state, tr("the request is already prepared; discard it first"));
    const std::string id = fix_id.empty() ? run.fix_id : fix_id;
    entry_.reset();
    if (!id.empty()) entry_ = catalog.find(id, current_platform());
    run_ = std::move(run);
    learn_secrets(catalog);
    return {};
}

EscalationError EscalationSession::about_run_id(const Catalog& catalog, const std::string& run_id,
                                                const std::string& fix_id) {
    const AuditLog audit(setup_.state_dir);
    auto run = audit.find(run_id);
    if (!run)
        return error(Kind::not_found,
                     // TRANSLATORS: %1$s is a run's id, %2$s the audit log's path.
                     trf("no run \"%1$s\" in the audit log (%2$s)", {run_id, audit.log_path()}));
    return about_run(catalog, std::move(*run), fix_id);
}

EscalationError EscalationSession::about_fix(const Catalog& catalog, const std::string& fix_id,
                                             RunChoice choice) {
    if (prepared_ || queued_)
        return error(Kind::wrong_state, tr("the request is already prepared; discard it first"));
    auto entry = catalog.find(fix_id, current_platform());
    // TRANSLATORS: %s is a fix's id.
    if (!entry) return error(Kind::not_found, trf("no fix \"%s\" on this machine", {fix_id}));
    entry_ = entry;
    run_.reset();
    if (choice != RunChoice::none) run_ = AuditLog(setup_.state_dir).latest_run(fix_id);
    if (choice == RunChoice::recent && run_ && clock_.now() - run_->finished > kRecentRunWindow)
        run_.reset();
    learn_secrets(catalog);
    return {};
}

EscalationError EscalationSession::prepare(const CancelToken& cancel,
                                           EscalationObserver* observer) {
    if (queued_) return error(Kind::wrong_state, tr("the request is already queued"));
    discard();
    const UserEnvironment& env = setup_.env;
    Engine engine(runner_, http_, clock_, env);
    std::vector<std::string> missing;  // the fix's diagnostics name what they cannot expand
    const FixPack none;
    const Variables vars =
        engine.variables_for(entry_ ? *entry_->pack : none, setup_.site, &missing);

    RequestInputs in;
    in.run = run();
    in.fix = fix();
    in.pack = entry_ ? entry_->pack : nullptr;
    in.lang = setup_.lang;
    in.comment = comment_;
    in.contact = default_contact(env, setup_.config.email_domain);
    if (email_) in.contact.email = *email_;
    in.now = clock_.now();
    in.os = setup_.os.empty() ? os_description() : setup_.os;
    in.secrets = secrets_;

    TitledProgress progress(observer);
    PreparedEscalation p = prepare_escalation(in, setup_.config, vars, env, runner_,
                                              setup_.state_dir + "/tmp", cancel, &progress);
    warnings_ = std::move(p.warnings);
    diagnostics_ = std::move(p.diagnostics);
    if (cancel.cancelled() || !p.ok()) {
        std::error_code ec;
        if (!p.bundle_path.empty()) fs::remove(p.bundle_path, ec);
        if (cancel.cancelled()) return error(Kind::cancelled, tr("cancelled; nothing was kept"));
        // TRANSLATORS: %s is why (English, technical).
        return error(Kind::failed, trf("cannot prepare the diagnostics: %s", {p.error}));
    }
    request_ = std::move(p.request);
    if (subject_) request_.subject = *subject_;
    if (description_) request_.description = *description_;
    bundle_path_ = std::move(p.bundle_path);
    manifest_ = std::move(p.bundle.manifest);
    pseudonyms_ = std::move(p.bundle.pseudonyms);
    prepared_ = true;
    if (auto err = refresh_items()) {
        discard();
        return err;
    }
    return {};
}

EscalationError EscalationSession::refresh_items() {
    const Result<BundleContents> read = read_bundle(bundle_path_);
    if (!read)
        return error(Kind::failed,
                     // TRANSLATORS: %1$s is a file's path, %2$s why (English, technical).
                     trf("cannot read the bundle %1$s: %2$s", {bundle_path_, read.message()}));
    const BundleContents& contents = *read;
    manifest_ = contents.manifest;
    std::map<std::string, const nlohmann::json*> by_file;
    if (const auto it = manifest_.find("items"); it != manifest_.end() && it->is_array())
        for (const auto& item : *it)
            if (item.is_object()) by_file[json_string(item, "file")] = &item;
    items_.clear();
    for (const BundleEntry& e : contents.entries) {
        BundleItem item{e.name, e.name, "", e.size, e.name != kManifest};
        if (e.name == kManifest) {
            // TRANSLATORS: the title of the list of what was collected (a file manifest.json)
            // in the diagnostics sent to the help desk.
            item.title = tr("What was collected (the manifest)");
        } else if (const auto it = by_file.find(e.name); it != by_file.end()) {
            const nlohmann::json& m = *it->second;
            item.source = json_string(m, "source");
            const auto kind = kind_from_name(json_string(m, "kind"));
            item.title = bundle_item_title(kind.value_or(DiagnosticItem::Kind::file),
                                           json_string(m, "name"), item.source);
        }
        items_.push_back(std::move(item));
    }
    std::error_code ec;
    const auto size = fs::file_size(bundle_path_, ec);
    if (ec)
        return error(Kind::failed,
                     // TRANSLATORS: %1$s is a file's path, %2$s why (English, technical).
                     trf("cannot read the bundle %1$s: %2$s", {bundle_path_, ec.message()}));
    if (!request_.attachments.empty()) request_.attachments.front().size = size;
    return {};
}

std::uint64_t EscalationSession::bundle_size() const {
    return request_.attachments.empty() ? 0 : request_.attachments.front().size;
}

EscalationError EscalationSession::item_text(const std::string& file, std::string* text) const {
    if (!prepared_ || bundle_path_.empty())
        return error(Kind::wrong_state, tr("there is no bundle to look into"));
    const bool listed = std::any_of(items_.begin(), items_.end(),
                                    [&](const BundleItem& i) { return i.file == file; });
    // TRANSLATORS: %s is the name of a file in the diagnostics.
    if (!listed) return error(Kind::not_found, trf("no item \"%s\" in the bundle", {file}));
    text->clear();
    Result<std::string> read = read_bundle_entry(bundle_path_, file);
    if (!read) return error(Kind::failed, read.message());
    *text = std::move(read).value();
    return {};
}

EscalationError EscalationSession::remove_item(const std::string& file) {
    if (auto err = check_editable()) return err;
    if (!prepared_) return error(Kind::wrong_state, tr("there is no bundle yet"));
    const auto it = std::find_if(items_.begin(), items_.end(),
                                 [&](const BundleItem& i) { return i.file == file; });
    if (it == items_.end())
        return error(Kind::not_found, trf("no item \"%s\" in the bundle", {file}));
    if (!it->removable)
        return error(Kind::invalid,
                     tr("the list of what was collected (manifest.json) stays in the bundle"));
    if (Status removed = remove_bundle_entry(bundle_path_, file); !removed)
        // TRANSLATORS: %1$s is the name of a file in the diagnostics, %2$s why (English).
        return error(Kind::failed, trf("cannot remove %1$s: %2$s", {file, removed.message()}));
    return refresh_items();
}

EscalationError EscalationSession::check_editable() const {
    if (queued_)
        return error(Kind::wrong_state,
                     tr("the request is already queued; it cannot be changed any more"));
    return {};
}

EscalationError EscalationSession::set_subject(const std::string& subject) {
    if (auto err = check_editable()) return err;
    if (subject.find_first_not_of(" \t") == std::string::npos)
        return error(Kind::invalid, tr("the subject cannot be empty"));
    if (subject.find_first_of("\r\n") != std::string::npos)
        return error(Kind::invalid, tr("the subject must be one line"));
    if (subject.size() > kMaxSubject)
        return error(Kind::invalid,
                     // TRANSLATORS: %s is the most characters a subject may have.
                     trfn("the subject is longer than %s character; put the details in the "
                          "description",
                          "the subject is longer than %s characters; put the details in the "
                          "description",
                          kMaxSubject, {std::to_string(kMaxSubject)}));
    subject_ = subject;
    if (prepared_) request_.subject = subject;
    return {};
}

EscalationError EscalationSession::set_description(const std::string& description) {
    if (auto err = check_editable()) return err;
    if (description.size() > kMaxText)
        return error(Kind::invalid, tr("the description is longer than 64 KiB"));
    description_ = description;
    if (prepared_) request_.description = description;
    return {};
}

EscalationError EscalationSession::set_comment(const std::string& comment) {
    if (auto err = check_editable()) return err;
    if (comment.size() > kMaxText)
        return error(Kind::invalid, tr("the comment is longer than 64 KiB"));
    Redactor redactor(redaction_rules_for(setup_.config, setup_.env, secrets_));
    if (!redactor.problems().empty())
        // TRANSLATORS: %s is why (English, technical).
        return error(Kind::failed, trf("the site's redaction patterns cannot be used: %s",
                                       {redactor.problems()[0]}));
    comment_ = comment;
    comment_masked_ = redactor.redact(comment_).total();
    if (prepared_) request_.comment = comment_;
    return {};
}

EscalationError EscalationSession::set_email(const std::string& email) {
    if (auto err = check_editable()) return err;
    if (Status valid = check_email(email); !valid) return error(Kind::invalid, valid.message());
    email_ = email;
    if (prepared_) request_.contact.email = email;
    return {};
}

EscalationError EscalationSession::queue() {
    if (!gate_.allowed) return error(Kind::refused, gate_.reason);
    if (auto err = check_editable()) return err;
    if (!prepared_ || bundle_path_.empty())
        return error(Kind::wrong_state, tr("there is no prepared request to queue"));
    // The ticket says that the secrets the machine knows were masked: make sure.
    if (const std::string where = find_known_secret(request_, SecretMask(secrets_)); !where.empty())
        return error(Kind::failed,
                     // TRANSLATORS: %s names where the secret is, in English ("the comment",
                     // "the attachment diagnostics.tar.gz (/path), file proxy.txt").
                     trf("not queued: %s still holds a secret this machine knows (a secret site "
                         "value, the ticket system's credentials or a proxy password). Edit it out "
                         "or remove that item, then send again.",
                         {where}));
    Outbox outbox(setup_.state_dir + "/outbox");
    const std::string bundle_name = fs::path(bundle_path_).filename().string();
    if (Status added =
            outbox.add(request_, {{bundle_name, "application/gzip", bundle_path_}}, pseudonyms_);
        !added)
        // TRANSLATORS: %s is why (English, technical).
        return error(Kind::failed, trf("cannot queue the support request: %s", {added.message()}));
    if (auto entry = outbox.get(request_.id)) request_ = entry->request;
    queued_ = true;
    discard();  // the outbox holds its own copy
    return {};
}

EscalationDelivery EscalationSession::deliver(const CancelToken& cancel) {
    EscalationDelivery d;
    d.report.id = request_.id;
    // report.message stays English, as the outbox sender's: `fixctl escalate --json` gives it
    // (delivery_sentence() says what happened for a person).
    if (!queued_) {
        d.report.message = "the request is not queued yet";
        return d;
    }
    Outbox outbox(setup_.state_dir + "/outbox");
    if (backend_) {
        OutboxSender sender(outbox, *backend_, clock_,
                            {setup_.config.retry_initial, setup_.config.retry_max,
                             std::chrono::hours(24), setup_.config.retry_settle});
        d.report = sender.send(request_.id, true, cancel);
        return d;
    }
    // No usable ticket system: a copy where the employee can attach it to a mail by hand.
    d.backend_problem = gate_.backend_problem;
    const std::string to = desktop_dir(setup_.env);
    if (Status saved = outbox.save_copy(request_.id, to, &d.saved_files); saved) {
        d.saved_dir = to;
        d.report.result = SendReport::Result::will_retry;
        d.report.message =
            "no ticket system is configured; saved to " + to + " for you to send to your help desk";
    } else {
        d.report.message =
            "no ticket system is configured, and saving a copy failed: " + saved.message();
    }
    if (auto entry = outbox.get(request_.id)) d.report.status = entry->status;
    return d;
}

EscalationError EscalationSession::save_bundle(const std::string& path) {
    if (!prepared_ || bundle_path_.empty())
        return error(Kind::wrong_state, tr("there is no bundle to save"));
    std::error_code ec;
    fs::rename(bundle_path_, path, ec);
    if (ec) {
        fs::copy_file(bundle_path_, path, fs::copy_options::overwrite_existing, ec);
        // TRANSLATORS: %1$s is a file's path, %2$s why (English, technical).
        if (ec) return error(Kind::failed, trf("cannot write %1$s: %2$s", {path, ec.message()}));
        fs::remove(bundle_path_, ec);
    }
    bundle_path_.clear();  // no longer ours to remove
    return {};
}

void EscalationSession::discard() {
    if (!bundle_path_.empty()) {
        std::error_code ec;
        fs::remove(bundle_path_, ec);
        bundle_path_.clear();
    }
    if (!queued_) {
        prepared_ = false;
        items_.clear();
    }
}

}  // namespace fixtray
