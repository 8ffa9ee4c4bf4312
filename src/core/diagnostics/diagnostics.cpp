// collect_diagnostics: a bounded pool of worker threads over the items; commands through the
// ProcessRunner seam, files read here (bounded, private keys refused), facts from
// facts_platform.h plus the portable ones (proxy, dns.test, run.record).
#include "diagnostics/diagnostics.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/bounded_output.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "diagnostics/facts_platform.h"
#include "diagnostics/redaction.h"
#include "engine/steps/builtin_steps.h"
#include "net/http_client.h"
#include "platform/process_runner.h"
#include "platform/read_file.h"

namespace fixtray {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

std::chrono::milliseconds since(Steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - t);
}

std::string join(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) {
        if (!s.empty()) s += ' ';
        s += a;
    }
    return s;
}

// Keeps the head and tail of text when it is over the cap.
void bound(std::string& text, std::size_t cap, bool& truncated) {
    if (text.size() <= cap) return;
    BoundedOutput b(cap);
    b.append(text);
    text = b.str();
    truncated = true;
}

struct Context {
    ProcessRunner& runner;
    const DiagnosticsOptions& options;
    const CancelToken& cancel;
};

void run_command(Context& ctx, const std::vector<std::string>& argv, DiagnosticResult& r) {
    ProcessRequest request;
    request.argv = argv;
    request.timeout = ctx.options.timeout;
    request.kill_grace = std::chrono::milliseconds(1000);
    request.output_cap = ctx.options.item_cap;
    r.argv = argv;
    if (r.kind != DiagnosticItem::Kind::command && r.source.empty()) r.source = join(argv);
    const ProcessResult p = ctx.runner.run(request, ctx.cancel);
    r.content = p.out;
    if (!p.err.empty())
        r.content += (r.content.empty() ? "" : "\n") + std::string("--- stderr ---\n") + p.err;
    r.truncated = r.truncated || p.out_truncated || p.err_truncated;
    r.timed_out = p.timed_out;
    r.cancelled = p.cancelled;
    r.exit_code =
        p.started && p.term_signal == 0 && !p.timed_out && !p.cancelled ? p.exit_code : -1;
    if (!p.started)
        r.error = p.error;
    else if (p.timed_out)
        r.error = "timed out after " + std::to_string(ctx.options.timeout.count()) + " ms";
    else if (p.cancelled)
        r.error = "cancelled";
    else if (p.term_signal != 0)
        r.error = "ended by signal " + std::to_string(p.term_signal);
}

bool has_private_key(std::string_view text) {
    const std::size_t b = text.find("-----BEGIN ");
    return b != std::string_view::npos &&
           text.find("PRIVATE KEY-----", b) != std::string_view::npos;
}

void collect_file(Context& ctx, const std::string& path, DiagnosticResult& r) {
    r.source = path;
    if (std::string why = refused_path_reason(path); !why.empty()) {
        r.refused = true;
        r.error = why;
        return;
    }
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
        r.error = "no such file";
        return;
    }
    // FIFOs and devices could block or never end.
    if (!fs::is_regular_file(st)) {
        r.error = "not a regular file";
        return;
    }
    const std::size_t cap = ctx.options.item_cap;
    const auto size = fs::file_size(path, ec);
    if (ec || size <= cap) {  // also /proc files, which claim size 0
        std::string text;
        if (Status read = read_file_bounded(path, cap, text); !read) {
            r.error = read.message();
            return;
        }
        bound(text, cap, r.truncated);
        r.content = std::move(text);
    } else {
        // A large log: its head and, more useful, its tail.
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            r.error = "cannot open";
            return;
        }
        std::string head(cap / 2, '\0'), tail(cap / 2, '\0');
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(in.gcount()));
        in.clear();
        in.seekg(static_cast<std::streamoff>(size - tail.size()));
        in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
        tail.resize(static_cast<std::size_t>(in.gcount()));
        r.content = head + "\n[... " + std::to_string(size - head.size() - tail.size()) +
                    " bytes omitted ...]\n" + tail;
        r.truncated = true;
    }
    if (has_private_key(r.content)) {
        r.content.clear();
        r.truncated = false;
        r.refused = true;
        r.error = "holds a private key: never collected";
        return;
    }
    r.exit_code = 0;
}

// Proxy settings from this process's environment, credentials stripped.
void fact_proxy(DiagnosticResult& r) {
    static const char* names[] = {"http_proxy", "https_proxy", "ftp_proxy",   "all_proxy",
                                  "no_proxy",   "HTTP_PROXY",  "HTTPS_PROXY", "FTP_PROXY",
                                  "ALL_PROXY",  "NO_PROXY"};
    std::string out;
    for (const char* n : names) {
        const char* v = std::getenv(n);
        if (!v) continue;
        std::string value = strip_url_credentials(v);
        // "user:password@host:port" without a scheme
        if (const auto at = value.rfind('@');
            at != std::string::npos && value.find("://") == std::string::npos)
            value = "***" + value.substr(at);
        out += std::string(n) + "=" + value + "\n";
    }
    r.content = out.empty() ? "no proxy set in the environment\n" : out;
    r.exit_code = 0;
}

class NoHttp final : public HttpClient {
public:
    HttpResponse send(const HttpRequest&, const CancelToken&) override { return {}; }
};

void fact_dns_test(Context& ctx, DiagnosticResult& r) {
    NoHttp http;
    RealClock clock;
    BuiltinContext bctx{http, clock, ctx.cancel};
    const std::chrono::milliseconds per_host =
        ctx.options.timeout /
        static_cast<long>(std::max<std::size_t>(1, ctx.options.dns_test_hosts.size()));
    std::string out;
    bool all_ok = true;
    for (const auto& host : ctx.options.dns_test_hosts) {
        Step step;
        step.kind = StepKind::dns_resolve;
        step.host = host;
        step.timeout = std::max(per_host, std::chrono::milliseconds(100));
        const auto t0 = Steady::now();
        const BuiltinResult b = dns_resolve(step, bctx);
        out += (b.ok ? "ok: " : "FAILED: ") + b.message + " (" + std::to_string(since(t0).count()) +
               " ms)\n";
        all_ok = all_ok && b.ok;
        if (b.timed_out) r.timed_out = true;
        if (b.cancelled) {
            r.cancelled = true;
            break;
        }
    }
    r.content = out.empty() ? "no host to resolve\n" : out;
    r.exit_code = all_ok ? 0 : 1;
}

void fact_run_record(Context& ctx, DiagnosticResult& r) {
    if (ctx.options.run_record_json.empty()) {
        r.error = "no run record was given";
        return;
    }
    // Pretty-printed for the technician; the bundle redacts it value by value (r.json).
    const auto j = nlohmann::json::parse(ctx.options.run_record_json, nullptr, false);
    r.json = !j.is_discarded();
    r.content = j.is_discarded() ? ctx.options.run_record_json : j.dump(2);
    r.exit_code = 0;
}

const std::map<std::string, std::string>& fact_aliases() {
    static const std::map<std::string, std::string> aliases = {
        {"disk.free", "disk"}, {"network.dns", "dns.config"}, {"network.proxy", "proxy"}};
    return aliases;
}

void collect_fact(Context& ctx, const std::string& id, DiagnosticResult& r) {
    namespace fp = facts_platform;
    std::string canonical = id;
    if (auto a = fact_aliases().find(id); a != fact_aliases().end()) canonical = a->second;
    r.source = id;
    const fp::RunCommand run = [&ctx](const std::vector<std::string>& argv, DiagnosticResult& res) {
        run_command(ctx, argv, res);
    };
    if (canonical == "os") return fp::os(r, run);
    if (canonical == "uptime") return fp::uptime(r, run);
    if (canonical == "disk") return fp::disk(r, run);
    if (canonical == "memory") return fp::memory(r, run);
    if (canonical == "network.interfaces") return fp::network_interfaces(r, run);
    if (canonical == "network.addresses") return fp::network_addresses(r, run);
    if (canonical == "network.routes") return fp::network_routes(r, run);
    if (canonical == "dns.config") return fp::dns_config(r, run);
    if (canonical == "dns.test") return fact_dns_test(ctx, r);
    if (canonical == "proxy") return fact_proxy(r);
    if (canonical == "printers") return fp::printers(r, run);
    if (canonical == "log.recent")
        return fp::recent_log(r, run, ctx.options.log_lines, ctx.options.log_files);
    if (canonical == "run.record") return fact_run_record(ctx, r);
    r.error = "unknown fact \"" + id + "\"";
}

void collect_one(Context& ctx, const DiagnosticItem& item, DiagnosticResult& r) {
    const auto t0 = Steady::now();
    try {
        switch (item.kind) {
            case DiagnosticItem::Kind::command:
                r.source = join(item.argv);
                run_command(ctx, item.argv, r);
                break;
            case DiagnosticItem::Kind::file:
                collect_file(ctx, item.path, r);
                break;
            case DiagnosticItem::Kind::fact:
                collect_fact(ctx, item.fact.empty() ? item.name : item.fact, r);
                break;
        }
    } catch (const std::exception& e) {  // a bug or an exhausted resource: one item's error
        r.error = std::string("internal error: ") + e.what();
    }
    bool truncated = false;
    bound(r.content, ctx.options.item_cap, truncated);
    r.truncated = r.truncated || truncated;
    r.duration = since(t0);
}

}  // namespace

const std::vector<std::string>& known_fact_ids() {
    static const std::vector<std::string> ids = {"os",
                                                 "uptime",
                                                 "disk",
                                                 "memory",
                                                 "network.interfaces",
                                                 "network.addresses",
                                                 "network.routes",
                                                 "dns.config",
                                                 "dns.test",
                                                 "proxy",
                                                 "printers",
                                                 "log.recent",
                                                 "run.record"};
    return ids;
}

bool is_known_fact(const std::string& id) {
    const auto& ids = known_fact_ids();
    return std::find(ids.begin(), ids.end(), id) != ids.end() || fact_aliases().count(id) > 0;
}

std::string refused_path_reason(const std::string& path) {
    auto check = [](const fs::path& p) -> std::string {
        for (const auto& part : p) {
            const std::string s = part.string();
            if (s == ".ssh" || s == ".gnupg")
                return "files under " + s + " are never collected (keys)";
        }
        const std::string base = p.filename().string();
        std::string low = base;
        for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if ((low.rfind("id_", 0) == 0 && !low.ends_with(".pub")) || low == "identity" ||
            low.ends_with("_key") || low.ends_with(".ppk"))
            return "looks like a private key (" + base + "): never collected";
        for (const char* ext : {".p12", ".pfx", ".jks", ".keystore", ".kdbx"})
            if (low.ends_with(ext)) return "a key store (" + base + "): never collected";
        if (p == "/etc/shadow" || p == "/etc/gshadow" || p == "/etc/shadow-" ||
            p == "/etc/gshadow-")
            return "password hashes: never collected";
        return {};
    };
    if (std::string why = check(fs::path(path)); !why.empty()) return why;
    std::error_code ec;
    const fs::path real = fs::weakly_canonical(path, ec);  // a link to ~/.ssh/id_rsa
    if (!ec) return check(real);
    return {};
}

DiagnosticsReport collect_diagnostics(const std::vector<DiagnosticItem>& items,
                                      ProcessRunner& runner, const DiagnosticsOptions& options,
                                      const CancelToken& cancel, DiagnosticsObserver* observer) {
    DiagnosticsReport report;
    report.started = std::chrono::system_clock::now();
    const auto t0 = Steady::now();
    report.items.resize(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        report.items[i].name = items[i].name;
        report.items[i].kind = items[i].kind;
    }
    Context ctx{runner, options, cancel};
    std::atomic<std::size_t> next{0};
    std::mutex observer_mutex;
    auto work = [&] {
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= items.size()) return;
            DiagnosticResult& r = report.items[i];
            if (cancel.cancelled()) {
                r.cancelled = true;
                r.error = "cancelled";
                continue;
            }
            if (observer) {
                std::lock_guard<std::mutex> lock(observer_mutex);
                observer->item_started(i, items[i]);
            }
            collect_one(ctx, items[i], r);
            if (observer) {
                std::lock_guard<std::mutex> lock(observer_mutex);
                observer->item_finished(i, r);
            }
        }
    };
    const std::size_t n = std::min(std::max<std::size_t>(1, options.parallelism), items.size());
    std::vector<std::thread> workers;
    workers.reserve(n);
    for (std::size_t w = 1; w < n; ++w) workers.emplace_back(work);
    if (n > 0) work();  // this thread is one of the workers
    for (auto& t : workers) t.join();
    report.cancelled = cancel.cancelled();
    report.duration = since(t0);
    return report;
}

}  // namespace fixtray
