#include "feed/feed_sync.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/time_text.h"
#include "feed/feed_index.h"
#include "feed/feed_store.h"
#include "feed/minisign.h"
#include "net/http_client.h"
#include "net/service_url.h"
#include "packs/pack_loader.h"
#include "platform/durable_file.h"
#include "platform/file_lock.h"
#include "platform/read_file.h"

namespace fixtray {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxSignatureBytes = 4096;
constexpr std::size_t kMaxStateBytes = 16 * 1024 * 1024;

std::string time_or_empty(std::chrono::system_clock::time_point t) {
    return t.time_since_epoch().count() == 0 ? "" : format_time_utc(t);
}

std::chrono::system_clock::time_point time_from(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string() || it->get<std::string>().empty()) return {};
    return parse_time_utc(it->get<std::string>());
}

json floors_json(const FeedState& s) {
    json floors = json::object();
    for (const auto& [repo, f] : s.floors)
        floors[repo] = {{"serial", f.serial}, {"index_sha256", f.index_sha256}};
    return floors;
}

json state_json_of(const FeedState& s) {
    json packs = json::array();
    for (const auto& p : s.packs)
        packs.push_back({{"id", p.id},
                         {"version", p.version},
                         {"file", p.file},
                         {"sha256", p.sha256},
                         {"size", p.size}});
    return {{"url", s.url},
            {"repository", s.repository},
            {"serial", s.serial},
            {"index_sha256", s.index_sha256},
            {"etag", s.etag},
            {"generation", s.generation},
            {"generated", time_or_empty(s.generated)},
            {"expires", time_or_empty(s.expires)},
            {"last_check", time_or_empty(s.last_check)},
            {"last_success", time_or_empty(s.last_success)},
            {"next_due", time_or_empty(s.next_due)},
            {"last_error", s.last_error},
            {"packs", packs},
            {"revoked", s.revoked},
            {"floors", floors_json(s)}};
}

FeedState state_from_json(const json& j) {
    FeedState s;
    s.url = j.value("url", "");
    s.repository = j.value("repository", "");
    s.serial = j.value("serial", std::uint64_t{0});
    s.index_sha256 = j.value("index_sha256", "");
    s.etag = j.value("etag", "");
    s.generation = j.value("generation", "");
    s.generated = time_from(j, "generated");
    s.expires = time_from(j, "expires");
    s.last_check = time_from(j, "last_check");
    s.last_success = time_from(j, "last_success");
    s.next_due = time_from(j, "next_due");
    s.last_error = j.value("last_error", "");
    if (auto it = j.find("packs"); it != j.end() && it->is_array())
        for (const auto& p : *it)
            s.packs.push_back({p.value("id", ""), p.value("version", 0), p.value("file", ""),
                               p.value("sha256", ""), p.value("size", std::uint64_t{0})});
    if (auto it = j.find("revoked"); it != j.end() && it->is_array())
        for (const auto& r : *it)
            if (r.is_string()) s.revoked.push_back(r.get<std::string>());
    if (auto it = j.find("floors"); it != j.end() && it->is_object())
        for (const auto& [repo, f] : it->items())
            if (f.is_object())
                s.floors[repo] = {f.value("serial", std::uint64_t{0}), f.value("index_sha256", "")};
    // A state written before floors existed: its own index is the floor.
    if (!s.repository.empty() && s.serial > s.floors[s.repository].serial)
        s.floors[s.repository] = {s.serial, s.index_sha256};
    return s;
}

Status write_state(const std::string& state_dir, const FeedState& s) {
    const std::string path = state_dir + "/state.json";
    if (Status written = write_file_atomic(path, state_json_of(s).dump(2) + "\n"); !written)
        return written;
    // Readable by every user (`fixctl feed status`): it holds no secret.
    std::error_code ec;
    fs::permissions(path,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                        fs::perms::others_read,
                    ec);
    return {};
}

std::string http_failure(const HttpResponse& r, const std::string& url) {
    if (r.ok) return "HTTP " + std::to_string(r.status) + " from " + url;
    return url + ": " + r.error;
}

// Files of a new generation: readable by every user (the packs are for everyone), flushed
// together by sync_filesystem before the switch.
Status write_generation_file(const std::string& path, std::string_view content) {
    return write_new_file(path, content, 0644);
}

// Points state_dir/current at generations/gen, atomically (symlink + rename(2)).
Status switch_current(const std::string& state_dir, const std::string& gen) {
    const fs::path tmp = fs::path(state_dir) / ("current.new-" + gen);
    std::error_code ec;
    fs::remove(tmp, ec);
    fs::create_directory_symlink(fs::path("generations") / gen, tmp, ec);
    if (ec) return Status::error("cannot create " + tmp.string() + ": " + ec.message());
    fs::rename(tmp, fs::path(state_dir) / "current", ec);
    if (ec) {
        // The message before the clean-up: fs::remove resets ec (it said "Success").
        Status failed = Status::error("cannot switch " + state_dir + "/current: " + ec.message());
        std::error_code ignored;
        fs::remove(tmp, ignored);
        return failed;
    }
    return sync_path(state_dir);
}

std::string random_suffix() {
    std::random_device rd;
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 8; ++i) s += hex[rd() & 15];
    return s;
}

}  // namespace

const char* to_string(FeedSyncOutcome o) {
    switch (o) {
        case FeedSyncOutcome::not_configured:
            return "not-configured";
        case FeedSyncOutcome::not_due:
            return "not-due";
        case FeedSyncOutcome::busy:
            return "busy";
        case FeedSyncOutcome::unchanged:
            return "unchanged";
        case FeedSyncOutcome::updated:
            return "updated";
        case FeedSyncOutcome::refused:
            return "refused";
        case FeedSyncOutcome::unreachable:
            return "unreachable";
        case FeedSyncOutcome::cancelled:
            return "cancelled";
    }
    return "?";
}

FeedState::Floor FeedState::floor_for(const std::string& repo) const {
    Floor f;
    if (auto it = floors.find(repo); it != floors.end()) f = it->second;
    if (repository == repo && serial > f.serial) f = {serial, index_sha256};
    return f;
}

bool feed_expired(const FeedState& state, std::chrono::system_clock::time_point now) {
    if (state.generation.empty()) return false;  // nothing installed
    return state.expires.time_since_epoch().count() == 0 || now >= state.expires;
}

FeedState read_feed_state(const std::string& state_dir, std::string* error) {
    FeedState s;
    const std::string path = state_dir + "/state.json";
    const std::string gen = installed_generation(state_dir);
    std::string why;
    std::error_code ec;
    if (fs::exists(path, ec)) {
        std::string text;
        if (Status read = read_file_bounded(path, kMaxStateBytes, text); !read) {
            why = read.message();
        } else {
            try {
                s = state_from_json(json::parse(text));
                if (s.generation != gen) {
                    why = "it does not describe the installed generation";
                    s.etag.clear();  // the ETag of another index
                }
            } catch (const std::exception& e) {
                s = {};
                why = std::string("not valid JSON: ") + e.what();
            }
        }
    } else if (!gen.empty()) {
        why = "missing";
    }
    if (!why.empty() && error)
        *error = path + ": " + why + " (what is installed is read from the installed feed index)";

    // What is installed comes from the installed index alone.
    s.generation = gen;
    s.repository.clear();
    s.serial = 0;
    s.index_sha256.clear();
    s.generated = s.expires = {};
    s.packs.clear();
    s.revoked.clear();
    s.announcements.clear();
    if (!gen.empty()) {
        std::string bytes;
        const std::string index = state_dir + "/generations/" + gen + "/index.xml";
        if (read_file_bounded(index, 64u << 20, bytes)) apply_installed_index(bytes, index, &s);
    }
    // The installed index is a floor too: a lost or damaged state.json does not lower it.
    if (!s.repository.empty() && s.serial > s.floors[s.repository].serial)
        s.floors[s.repository] = {s.serial, s.index_sha256};
    return s;
}

nlohmann::json feed_state_to_json(const FeedState& state) {
    return state_json_of(state);
}

std::string feed_packs_dir(const std::string& state_dir) {
    return state_dir + "/current/packs";
}

Result<std::string> reset_feed_floor(const FeedConfig& config, const std::string& repository) {
    if (Status store = check_feed_store(config.state_dir); !store)
        return Status::error("the feed store " + config.state_dir +
                             " is not used: " + store.message());
    std::error_code ec;
    if (!fs::is_directory(config.state_dir, ec))
        return Status::error("no feed store at " + config.state_dir + ": nothing to reset");
    Result<FileLock> locked = FileLock::try_acquire(config.state_dir + "/lock");
    if (!locked) return Status::error(locked.message());
    const FileLock lock = std::move(locked).value();
    if (!lock.held()) return Status::error("a feed sync is running: try again when it is done");

    FeedState state = read_feed_state(config.state_dir, nullptr);
    const FeedState::Floor floor = state.floor_for(repository);
    std::string done = "rollback floor of " + repository +
                       (floor.serial ? " (serial " + std::to_string(floor.serial) + ")"
                                     : std::string(" (none was recorded)")) +
                       " forgotten";
    state.floors.erase(repository);
    if (state.repository == repository && !state.generation.empty()) {
        // The installed index is that repository's: it goes, with its packs.
        const std::string serial = std::to_string(state.serial);
        fs::remove(fs::path(config.state_dir) / "current", ec);
        if (ec)
            return Status::error("cannot remove " + config.state_dir + "/current: " + ec.message());
        remove_old_generations(config.state_dir, "");
        state.repository.clear();
        state.serial = 0;
        state.index_sha256.clear();
        state.etag.clear();
        state.generation.clear();
        state.generated = state.expires = {};
        state.packs.clear();
        state.revoked.clear();
        state.announcements.clear();
        done += "; its installed index (serial " + serial + ") and packs were removed";
    }
    state.next_due = {};  // the next timer pass syncs
    if (Status written = write_state(config.state_dir, state); !written)
        return Status::error(written.message());
    return done;
}

FeedSync::FeedSync(FeedConfig config, HttpClient& http, Clock& clock)
    : config_(std::move(config)), http_(http), clock_(clock) {}

FeedSyncResult FeedSync::sync(bool force, const CancelToken& cancel, const FeedProgress& progress) {
    FeedSyncResult result;
    auto say = [&](const std::string& line) {
        if (progress) progress(line);
    };
    auto finish = [&](FeedSyncOutcome outcome, std::string message) {
        result.outcome = outcome;
        result.message = std::move(message);
        return result;
    };

    if (config_.url.empty())
        return finish(FeedSyncOutcome::not_configured,
                      "no feed is configured (feed.url in the machine config)");
    if (config_.repository.empty())
        return finish(FeedSyncOutcome::not_configured,
                      "feed.repository is not set: the client accepts only the repository id "
                      "it is told to follow");
    const Result<ServiceUrl> feed_url = parse_service_url(config_.url);
    if (!feed_url)
        return finish(FeedSyncOutcome::not_configured, "feed.url: " + feed_url.message());
    const ServiceUrl& url = *feed_url;
    if (url.has_credentials)
        return finish(FeedSyncOutcome::not_configured,
                      "feed.url must not carry a user name or password");
    if (url.scheme != "https" && !(url.scheme == "http" && is_loopback_host(url.host)))
        return finish(FeedSyncOutcome::not_configured,
                      "feed.url must be https:// (plain http only for a loopback test server): " +
                          config_.url);

    std::vector<std::string> key_problems;
    const auto keys = load_trusted_keys(config_.keys_dir, &key_problems);
    if (keys.empty()) {
        result.problems = key_problems;
        return finish(FeedSyncOutcome::not_configured,
                      "no trusted feed key in " + config_.keys_dir +
                          " (root-owned *.pub files from `minisign -G`)");
    }
    result.warnings = key_problems;  // the sync goes on with the keys that are trusted

    // The store: what is created gets its mode explicitly, whatever the caller's umask, and a
    // store a user could write is refused before anything is read from it or written to it.
    if (Status made = make_store_dirs(config_.state_dir); !made)
        return finish(
            FeedSyncOutcome::not_configured,
            made.message() + " (the machine's feed is synced by root: sudo fixctl feed sync)");
    if (Status store = check_feed_store(config_.state_dir); !store)
        return finish(FeedSyncOutcome::refused,
                      "the feed store " + config_.state_dir + " is not used: " + store.message() +
                          " (it must be root's and closed to other users; remove it and sync "
                          "again)");
    if (Status made = make_store_dir(config_.state_dir + "/generations", 0755); !made)
        return finish(FeedSyncOutcome::not_configured, made.message());
    Result<FileLock> locked = FileLock::try_acquire(config_.state_dir + "/lock");
    if (!locked)
        return finish(
            FeedSyncOutcome::not_configured,
            locked.message() + " (the machine's feed is synced by root: sudo fixctl feed sync)");
    const FileLock lock = std::move(locked).value();
    if (!lock.held()) return finish(FeedSyncOutcome::busy, "another feed sync is running");

    std::string state_error;
    FeedState state = read_feed_state(config_.state_dir, &state_error);
    if (!state_error.empty()) say(state_error);
    const auto now = clock_.now();
    // Not due yet, unless next_due lies further ahead than one interval could have put it (the
    // clock was ahead when it was set): a wrong clock must not stop syncs for years.
    const bool plausible_due =
        state.next_due <= now + config_.interval + config_.jitter + std::chrono::minutes(1);
    if (!force && state.next_due.time_since_epoch().count() != 0 && now < state.next_due &&
        plausible_due) {
        result.state = state;
        return finish(FeedSyncOutcome::not_due,
                      "next sync due at " + format_time_utc(state.next_due));
    }
    // A different repository (the help desk moved to a new feed): nothing of the old one is
    // reused to fetch the new one (no ETag, no "unchanged"), but the state keeps describing what
    // is installed, so the old index's expiry and revocations keep applying until the new feed
    // verifies and replaces it.
    const bool same_repository = state.repository == config_.repository;
    const FeedState::Floor floor = state.floor_for(config_.repository);

    // Whatever happens next, record it and schedule the next timer pass.
    auto schedule = [&](FeedSyncOutcome outcome, std::string message) {
        state.last_check = now;
        state.url = config_.url;
        if (outcome == FeedSyncOutcome::updated || outcome == FeedSyncOutcome::unchanged) {
            state.last_success = now;
            state.last_error.clear();
        } else {
            state.last_error = message;
        }
        std::mt19937_64 rng(std::random_device{}());
        const auto jitter_s =
            std::chrono::duration_cast<std::chrono::seconds>(config_.jitter).count();
        std::uniform_int_distribution<long long> dist(0, std::max<long long>(0, jitter_s));
        state.next_due = now + config_.interval + std::chrono::seconds(dist(rng));
        if (Status written = write_state(config_.state_dir, state); !written)
            say(written.message());
        result.state = state;
        return finish(outcome, std::move(message));
    };
    auto refuse = [&](std::string message) {
        if (result.problems.empty()) result.problems.push_back(message);
        const std::string kept =
            state.packs.empty() ? std::string(" Nothing was installed.")
                                : " Keeping the " + std::to_string(state.packs.size()) +
                                      " pack(s) of serial " + std::to_string(state.serial) + ".";
        return schedule(FeedSyncOutcome::refused, message + kept);
    };

    const bool have_current = same_repository && !state.generation.empty() &&
                              installed_generation(config_.state_dir) == state.generation;
    // The installed index is verified again with the keys trusted now: after a key is withdrawn,
    // a 304 must not pass for "unchanged", and the same index signed again by a trusted key is
    // taken (its new signature installed).
    std::string installed_signature;
    bool installed_verified = false;
    if (have_current) {
        const std::string gen_dir = config_.state_dir + "/generations/" + state.generation;
        std::string installed_index;
        if (read_file_bounded(gen_dir + "/index.xml", 64u << 20, installed_index) &&
            read_file_bounded(gen_dir + "/index.xml.minisig", kMaxSignatureBytes,
                              installed_signature))
            installed_verified = verify_minisign(installed_index, installed_signature, keys).ok;
        if (!installed_verified)
            say("the installed feed index (serial " + std::to_string(state.serial) +
                ") does not verify with the keys trusted now: fetching the feed again");
    }
    auto get = [&](const std::string& u, std::uint64_t max, const std::string& etag) {
        HttpRequest req;
        req.url = u;
        req.max_body = static_cast<std::size_t>(max);
        req.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout);
        req.proxy = config_.proxy;
        req.ca_file = config_.ca_file;
        if (!etag.empty()) req.headers.push_back({"If-None-Match", etag});
        ++result.requests;
        HttpResponse r = http_.send(req, cancel);
        result.bytes_downloaded += r.body.size();
        return r;
    };

    const std::string index_url = config_.url + "index.xml";
    say("Checking " + index_url);
    HttpResponse index = get(index_url, config_.max_index_bytes,
                             have_current && installed_verified ? state.etag : "");
    if (index.cancelled) return finish(FeedSyncOutcome::cancelled, "cancelled");
    if (index.ok && index.status == 304 && have_current && installed_verified) {
        if (now >= state.expires)
            return refuse("the feed index (serial " + std::to_string(state.serial) +
                          ") expired at " + format_time_utc(state.expires) +
                          " and the server offers nothing newer: the feed may be frozen by an "
                          "attacker or no longer maintained.");
        return schedule(FeedSyncOutcome::unchanged,
                        "unchanged (serial " + std::to_string(state.serial) + ")");
    }
    // The cap is enforced while receiving: an endless or oversize body stops there.
    if (index.body_truncated)
        return refuse(index_url + " is larger than feed.max_index_bytes (" +
                      std::to_string(config_.max_index_bytes) + " bytes): refused.");
    if (!index.ok || index.status != 200)
        return schedule(FeedSyncOutcome::unreachable, http_failure(index, index_url));

    const std::string sig_url = index_url + ".minisig";
    HttpResponse sig = get(sig_url, kMaxSignatureBytes, "");
    if (sig.cancelled) return finish(FeedSyncOutcome::cancelled, "cancelled");
    if (sig.body_truncated) return refuse(sig_url + " is not a minisign signature (too large).");
    if (sig.ok && sig.status == 404) return refuse(sig_url + " is missing: the index is unsigned.");
    if (!sig.ok || sig.status != 200)
        return schedule(FeedSyncOutcome::unreachable, http_failure(sig, sig_url));

    // 1. The signature over the exact bytes, before anything reads them.
    const auto verified = verify_minisign(index.body, sig.body, keys);
    if (!verified.ok) return refuse(index_url + ": " + verified.error + ".");

    // 2-4. Repository, serial, expiry.
    auto parsed = parse_feed_index(index.body, index_url);
    if (!parsed.index) {
        result.problems = parsed.errors;
        return refuse(index_url + ": the signed index is not valid (" +
                      (parsed.errors.empty() ? std::string("?") : parsed.errors.front()) + ").");
    }
    const FeedIndex& idx = *parsed.index;
    const std::string index_sha = sha256_hex(index.body);
    if (idx.repository != config_.repository)
        return refuse(index_url + ": the index is for repository " + idx.repository +
                      ", this machine follows " + config_.repository + ".");
    if (idx.serial < floor.serial)
        return refuse(index_url + ": serial " + std::to_string(idx.serial) +
                      " is older than serial " + std::to_string(floor.serial) +
                      " accepted before (a rollback to an old feed).");
    if (idx.serial == floor.serial && index_sha != floor.index_sha256)
        return refuse(index_url + ": serial " + std::to_string(idx.serial) +
                      " was accepted before with different content (a serial must go up with "
                      "every change).");
    if (now >= idx.expires)
        return refuse(index_url + ": the index expired at " + format_time_utc(idx.expires) +
                      " (a stale or frozen feed).");
    if (idx.expires > now + config_.max_expiry)
        return refuse(index_url + ": the index is valid until " + format_time_utc(idx.expires) +
                      ", more than feed.max_expiry_days (" +
                      std::to_string(config_.max_expiry.count() / 24) +
                      ") ahead: a feed is re-signed regularly, and an index valid for longer "
                      "could hold the machine for that long if its key were stolen.");
    if (idx.serial == state.serial && index_sha == state.index_sha256 && have_current) {
        if (auto it = index.headers.find("etag"); it != index.headers.end())
            state.etag = it->second;
        std::string renewed;
        if (!installed_verified || installed_signature != sig.body) {
            // The same index, signed again (a key rotation): its signature replaces the old.
            const std::string path =
                config_.state_dir + "/generations/" + state.generation + "/index.xml.minisig";
            if (Status s = write_file_atomic(path, sig.body); !s) return refuse(s.message());
            if (::chmod(path.c_str(), 0644) != 0) return refuse("cannot set the mode of " + path);
            renewed = ", its new signature installed";
        }
        return schedule(FeedSyncOutcome::unchanged,
                        "unchanged (serial " + std::to_string(state.serial) + ")" + renewed);
    }

    // A pack's content changes only with its version: the audit log and the admin helper tell
    // packs apart by id and version, so other bytes under an installed version are refused.
    if (have_current)
        for (const auto& p : idx.packs)
            for (const auto& installed : state.packs)
                if (installed.id == p.id && installed.version == p.version &&
                    installed.sha256 != p.sha256)
                    return refuse(
                        index_url + ": pack " + p.id + " version " + std::to_string(p.version) +
                        " differs from the one installed from serial " +
                        std::to_string(state.serial) + " (SHA-256 " + p.sha256.substr(0, 16) +
                        "..., installed " + installed.sha256.substr(0, 16) +
                        "...): a changed pack must raise its version.");

    // 5. The packs: sizes first (no download beyond what the index allows), then each file.
    std::uint64_t total = 0;
    for (const auto& p : idx.packs) {
        if (p.size > config_.max_pack_bytes)
            result.problems.push_back("packs/" + p.file + " is " + std::to_string(p.size) +
                                      " bytes, over feed.max_pack_bytes (" +
                                      std::to_string(config_.max_pack_bytes) + ")");
        total += p.size;
    }
    if (total > config_.max_total_bytes)
        result.problems.push_back("the packs add up to " + std::to_string(total) +
                                  " bytes, over feed.max_total_bytes (" +
                                  std::to_string(config_.max_total_bytes) + ")");
    if (!result.problems.empty()) return refuse(index_url + ": " + result.problems.front() + ".");

    const std::string gen = std::to_string(idx.serial) + "-" + random_suffix();
    const std::string gen_dir = config_.state_dir + "/generations/" + gen;
    auto abandon = [&](FeedSyncOutcome outcome, std::string message) {
        std::error_code ec;
        fs::remove_all(gen_dir, ec);
        return outcome == FeedSyncOutcome::refused     ? refuse(std::move(message))
               : outcome == FeedSyncOutcome::cancelled ? finish(outcome, std::move(message))
                                                       : schedule(outcome, std::move(message));
    };
    if (Status s = make_store_dir(gen_dir, 0755); !s)
        return abandon(FeedSyncOutcome::unreachable, s.message());
    if (Status s = make_store_dir(gen_dir + "/packs", 0755); !s)
        return abandon(FeedSyncOutcome::unreachable, s.message());

    std::map<std::string, std::string> installed_by_sha;  // sha256 -> file in `current`
    if (have_current)
        for (const auto& p : state.packs) installed_by_sha[p.sha256] = p.file;

    for (const auto& p : idx.packs) {
        if (cancel.cancelled()) return abandon(FeedSyncOutcome::cancelled, "cancelled");
        std::string bytes;
        if (auto it = installed_by_sha.find(p.sha256); it != installed_by_sha.end()) {
            const std::string old =
                config_.state_dir + "/generations/" + state.generation + "/packs/" + it->second;
            if (read_file_bounded(old, p.size, bytes) && sha256_hex(bytes) != p.sha256)
                bytes.clear();  // damaged local copy: download again
        }
        if (bytes.empty() || bytes.size() != p.size) {
            const std::string pack_url = config_.url + "packs/" + p.file;
            say("Downloading packs/" + p.file + " (" + std::to_string(p.size) + " bytes)");
            // One byte more than the index allows, so "larger than the index says" is seen
            // without reading an endless body.
            HttpResponse r = get(pack_url, p.size + 1, "");
            if (r.cancelled) return abandon(FeedSyncOutcome::cancelled, "cancelled");
            if (r.body_truncated || r.body.size() > p.size)
                return abandon(FeedSyncOutcome::refused, pack_url + " is larger than the " +
                                                             std::to_string(p.size) +
                                                             " bytes the index says: refused.");
            if (!r.ok || r.status != 200) {
                if (r.ok && r.status == 404)
                    return abandon(FeedSyncOutcome::refused,
                                   pack_url + " is missing (HTTP 404) though the index lists it.");
                return abandon(FeedSyncOutcome::unreachable, http_failure(r, pack_url));
            }
            bytes = std::move(r.body);
        }
        if (bytes.size() != p.size)
            return abandon(FeedSyncOutcome::refused,
                           "packs/" + p.file + " is " + std::to_string(bytes.size()) +
                               " bytes, the index says " + std::to_string(p.size) + ".");
        if (sha256_hex(bytes) != p.sha256)
            return abandon(FeedSyncOutcome::refused,
                           "packs/" + p.file +
                               ": SHA-256 does not match the signed index (tampered, or a pack "
                               "from another index).");
        auto loaded = load_pack_from_string(bytes, config_.url + "packs/" + p.file);
        if (!loaded.ok()) {
            for (const auto& problem : loaded.problems)
                if (problem.severity == PackProblem::Severity::error)
                    result.problems.push_back(problem.str());
            return abandon(FeedSyncOutcome::refused,
                           "packs/" + p.file + " is not a valid fix pack: " +
                               (result.problems.empty() ? "?" : result.problems.front()));
        }
        if (loaded.pack->id != p.id || loaded.pack->version != p.version)
            return abandon(FeedSyncOutcome::refused,
                           "packs/" + p.file + " is " + loaded.pack->id + " version " +
                               std::to_string(loaded.pack->version) + ", the index says " + p.id +
                               " version " + std::to_string(p.version) + ".");
        if (Status s = write_generation_file(gen_dir + "/packs/" + p.file, bytes); !s)
            return abandon(FeedSyncOutcome::unreachable, s.message());
    }
    if (Status s = write_generation_file(gen_dir + "/index.xml", index.body); !s)
        return abandon(FeedSyncOutcome::unreachable, s.message());
    if (Status s = write_generation_file(gen_dir + "/index.xml.minisig", sig.body); !s)
        return abandon(FeedSyncOutcome::unreachable, s.message());
    // One flush for the whole generation (files and directories) before anything points to it.
    if (Status s = sync_filesystem(gen_dir); !s)
        return abandon(FeedSyncOutcome::unreachable, s.message());

    // The switch: from here the new set is what the machine runs.
    if (Status s = switch_current(config_.state_dir, gen); !s)
        return abandon(FeedSyncOutcome::unreachable, s.message());

    std::map<std::string, const FeedPackState*> before;
    for (const auto& p : state.packs) before[p.id] = &p;
    std::vector<FeedPackState> packs;
    for (const auto& p : idx.packs) {
        packs.push_back({p.id, p.version, p.file, p.sha256, p.size});
        auto it = before.find(p.id);
        if (it == before.end())
            result.added.push_back(p.id);
        else if (it->second->sha256 != p.sha256)
            result.changed.push_back(p.id);
        if (it != before.end()) before.erase(it);
    }
    for (const auto& [id, _] : before) result.removed.push_back(id);

    state.repository = idx.repository;
    state.serial = idx.serial;
    state.index_sha256 = index_sha;
    state.floors[idx.repository] = {idx.serial, index_sha};
    auto etag = index.headers.find("etag");
    state.etag = etag == index.headers.end() ? "" : etag->second;
    state.generation = gen;
    state.generated = idx.generated;
    state.expires = idx.expires;
    state.packs = std::move(packs);
    state.revoked = idx.revoked;
    state.announcements = idx.announcements;
    const std::string message = "updated to serial " + std::to_string(idx.serial) + ": " +
                                std::to_string(result.added.size()) + " added, " +
                                std::to_string(result.changed.size()) + " changed, " +
                                std::to_string(result.removed.size()) + " removed";
    auto done = schedule(FeedSyncOutcome::updated, message);
    remove_old_generations(config_.state_dir, gen);
    return done;
}

}  // namespace fixtray
