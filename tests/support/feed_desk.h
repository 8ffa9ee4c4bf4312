// A help desk's feed for tests: signing keys made with the stock minisign, a feed directory it
// publishes (packs and a signed index.xml), and a private nginx (tests/services/nginx.sh) that
// serves it on loopback.
#pragma once

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/digest.h"
#include "feed/feed_config.h"
#include "feed/feed_index.h"
#include "support/test_helpers.h"

namespace fixtray::test {

namespace feed_desk_detail {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string pack_xml(const std::string& id, int version, const std::string& fix_id,
                            const std::string& title) {
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"" + id + "\" version=\"" +
           std::to_string(version) + "\"><fix id=\"" + fix_id + "\" platforms=\"linux\"><title>" +
           title + "</title><steps><run><arg>true</arg></run></steps></fix></fixpack>";
}

inline void make_world_readable(const fs::path& p) {
    ::chmod(p.c_str(), 0755);
}

// nginx's ETag is the file's mtime (in seconds) and size: a file rewritten within the same
// second with the same size keeps its ETag. A real help desk publishes minutes apart; the test
// publishes many times a second, so each write gets its own mtime.
inline void give_new_etag(const fs::path& p) {
    static int counter = 0;
    const auto t = fs::file_time_type::clock::now() - std::chrono::hours(1) +
                   std::chrono::seconds(2 * ++counter);
    fs::last_write_time(p, t);
}

// A private nginx (tests/services/nginx.sh) serving `root`, stopped at scope exit.
class Nginx {
public:
    // With tls_cert and tls_key (PEM files), nginx serves https:// with that certificate; with
    // redirect_to, /redirect answers 302 to that URL.
    explicit Nginx(const fs::path& root, const fs::path& tls_cert = {},
                   const fs::path& tls_key = {}, const std::string& redirect_to = {}) {
        std::map<std::string, std::string> env;
        if (!redirect_to.empty()) env["NGINX_SH_REDIRECT_TO"] = redirect_to;
        if (!tls_cert.empty()) {
            env["NGINX_SH_TLS_CERT"] = tls_cert.string();
            env["NGINX_SH_TLS_KEY"] = tls_key.string();
        }
        const auto r =
            run_command({services_dir() + "/nginx.sh", "start", state(), root.string()}, env, 60s);
        INFO(r.out << r.err);
        REQUIRE_MESSAGE(r.exit_code == 0, "tests/services/nginx.sh start failed (needs nginx)");
        env_ = parse_exports(r.out);
        url_ = env_["FIXTRAY_TEST_NGINX_URL"];
        REQUIRE(!url_.empty());
        if (url_.back() != '/') url_ += '/';
    }
    ~Nginx() { run_command({services_dir() + "/nginx.sh", "stop", state()}, {}, 60s); }
    const std::string& url() const { return url_; }
    std::string access_log() const {
        return read_file(dir_.path() / "nginx" / "log" / "access.log");
    }

private:
    std::string state() const { return (dir_.path() / "nginx").string(); }
    TempDir dir_;
    std::map<std::string, std::string> env_;
    std::string url_;
};

// A help desk: signing keys made with the stock minisign, and a feed directory it publishes.
struct HelpDesk {
    TempDir dir;
    fs::path keys, publish, state;
    std::string repository = "com.example.helpdesk";
    std::map<std::string, std::string> packs;  // id -> xml
    std::vector<std::string> revoked;
    std::vector<FeedAnnouncement> announcements;  // each must end by the index's expiry
    std::uint64_t serial = 0;

    HelpDesk() {
        make_world_readable(dir.path());
        keys = dir.path() / "keys";
        publish = dir.path() / "publish";
        state = dir.path() / "state";
        fs::create_directories(keys);
        fs::create_directories(publish / "packs");
        make_world_readable(publish);
        make_world_readable(publish / "packs");
        keygen("helpdesk");
        fs::copy_file(dir.path() / "helpdesk.pub", keys / "helpdesk.pub");
    }

    void keygen(const std::string& name) {
        const auto r = run_command(
            {"minisign", "-G", "-W", "-p", dir / (name + ".pub"), "-s", dir / (name + ".key")});
        INFO(r.out << r.err);
        REQUIRE_MESSAGE(r.exit_code == 0, "minisign -G failed (is minisign installed?)");
    }

    void sign(const std::string& key = "helpdesk", bool legacy = false) {
        std::vector<std::string> argv = {
            "minisign", "-S",
            "-s",       dir / (key + ".key"),
            "-m",       (publish / "index.xml").string(),
            "-t",       repository + " serial " + std::to_string(serial)};
        if (legacy) argv.push_back("-l");
        const auto r = run_command(argv);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        ::chmod((publish / "index.xml.minisig").c_str(), 0644);
    }

    // Writes the packs and a new index with the next serial, signed with `key`.
    FeedIndex publish_feed(const std::string& key = "helpdesk",
                           std::chrono::seconds valid_for = 24h * 30, bool legacy = false) {
        FeedIndex index;
        index.repository = repository;
        index.serial = ++serial;
        const auto now = std::chrono::system_clock::now();
        // An index that has already expired was generated before it expired.
        index.generated = valid_for > 0s ? now : now + valid_for - 1h;
        index.expires = now + valid_for;
        for (const auto& [id, xml] : packs) {
            FeedPackEntry e;
            e.id = id;
            e.version = std::stoi(xml.substr(xml.find("version=\"") + 9));
            e.sha256 = sha256_hex(xml);
            e.size = xml.size();
            e.file = feed_pack_file_name(id, e.sha256);
            write_file(publish / "packs" / e.file, xml);
            ::chmod((publish / "packs" / e.file).c_str(), 0644);
            index.packs.push_back(e);
        }
        index.revoked = revoked;
        index.announcements = announcements;
        write_raw_index(write_feed_index(index));
        sign(key, legacy);
        return index;
    }

    // The published index and signature as they are now, to serve again later (a replay).
    struct Snapshot {
        std::string index, signature;
    };
    Snapshot snapshot() const {
        return {read_file(publish / "index.xml"), read_file(publish / "index.xml.minisig")};
    }
    void replay(const Snapshot& old) {
        write_raw_index(old.index);
        write_file(publish / "index.xml.minisig", old.signature);
        ::chmod((publish / "index.xml.minisig").c_str(), 0644);
    }

    void write_raw_index(const std::string& bytes) {
        write_file(publish / "index.xml", bytes);
        ::chmod((publish / "index.xml").c_str(), 0644);
        give_new_etag(publish / "index.xml");
    }

    FeedConfig config(const std::string& url) const {
        FeedConfig c;
        c.url = url;
        c.repository = repository;
        c.keys_dir = keys.string();
        c.state_dir = state.string();
        return c;
    }
};

}  // namespace feed_desk_detail

using feed_desk_detail::give_new_etag;
using feed_desk_detail::HelpDesk;
using feed_desk_detail::make_world_readable;
using feed_desk_detail::Nginx;
using feed_desk_detail::pack_xml;

}  // namespace fixtray::test
