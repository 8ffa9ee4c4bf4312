// Test helpers for the ticket backends: parsing what a LocalHttpServer received (request line,
// headers, JSON or multipart body) and a support request with a binary attachment on disk.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/test_helpers.h"
#include "tickets/support_request.h"
#include "tickets/ticket_backend.h"

namespace fixtray::test {

struct ReceivedRequest {
    std::string method, target, path;            // target = path + "?" + query
    std::map<std::string, std::string> headers;  // lower-case names
    std::map<std::string, std::string> query;    // decoded
    std::string body;

    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? "" : it->second;
    }
    nlohmann::json json() const { return nlohmann::json::parse(body); }
};

struct ReceivedPart {
    std::string name, filename, content_type, data;
};

inline std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

inline ReceivedRequest parse_received(const std::string& raw) {
    ReceivedRequest r;
    const auto head_end = raw.find("\r\n\r\n");
    const std::string head = raw.substr(0, head_end);
    r.body = head_end == std::string::npos ? "" : raw.substr(head_end + 4);
    std::size_t pos = head.find("\r\n");
    const std::string line = head.substr(0, pos);
    r.method = line.substr(0, line.find(' '));
    r.target = line.substr(r.method.size() + 1, line.rfind(' ') - r.method.size() - 1);
    const auto q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) {
        std::string rest = r.target.substr(q + 1);
        std::size_t start = 0;
        while (start <= rest.size()) {
            const auto amp = rest.find('&', start);
            const std::string kv = rest.substr(start, amp - start);
            const auto eq = kv.find('=');
            r.query[percent_decode(kv.substr(0, eq))] =
                eq == std::string::npos ? "" : percent_decode(kv.substr(eq + 1));
            if (amp == std::string::npos) break;
            start = amp + 1;
        }
    }
    while (pos != std::string::npos && pos < head.size()) {
        const auto next = head.find("\r\n", pos + 2);
        const std::string h = head.substr(pos + 2, next - pos - 2);
        const auto colon = h.find(':');
        if (colon != std::string::npos) {
            std::string name = h.substr(0, colon);
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            std::string value = h.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            r.headers[name] = value;
        }
        pos = next;
    }
    return r;
}

// The parts of a multipart/form-data body, in order.
inline std::vector<ReceivedPart> parse_multipart(const ReceivedRequest& r) {
    std::vector<ReceivedPart> parts;
    const std::string ct = r.header("content-type");
    const auto b = ct.find("boundary=");
    if (ct.rfind("multipart/form-data", 0) != 0 || b == std::string::npos) return parts;
    const std::string delim = "--" + ct.substr(b + 9);
    std::size_t pos = r.body.find(delim);
    while (pos != std::string::npos) {
        pos += delim.size();
        if (r.body.compare(pos, 2, "--") == 0) break;
        pos += 2;  // CRLF
        const auto head_end = r.body.find("\r\n\r\n", pos);
        const auto next = r.body.find("\r\n" + delim, head_end);
        if (head_end == std::string::npos || next == std::string::npos) break;
        ReceivedPart p;
        const std::string head = r.body.substr(pos, head_end - pos);
        auto field = [&head](const std::string& key) {
            const auto k = head.find(key + "=\"");
            if (k == std::string::npos) return std::string();
            const auto start = k + key.size() + 2;
            return head.substr(start, head.find('"', start) - start);
        };
        p.name = field("name");
        p.filename = field("filename");
        if (const auto t = head.find("Content-Type: "); t != std::string::npos)
            p.content_type = head.substr(t + 14, head.find("\r\n", t) - t - 14);
        p.data = r.body.substr(head_end + 4, next - head_end - 4);
        parts.push_back(p);
        pos = next + 2;
    }
    return parts;
}

// Bytes that survive only an exact, binary-safe round trip: NUL, CR LF, high bytes, '--'.
inline std::string bundle_bytes() {
    std::string s;
    for (int i = 0; i < 3000; ++i) s += static_cast<char>((i * 37 + 11) % 256);
    return s + "\r\n--not-a-boundary--\r\n";
}

// A support request with one attachment (bundle_bytes()) written into dir.
inline SupportRequest sample_request(const TempDir& dir, bool with_attachment = true) {
    SupportRequest r;
    r.id = "0b7c3a52-1f1e-4c55-9f0e-3c1c2d4e5f60";
    r.subject = "Printer still missing";
    r.description = "Tried remap-printers.\nVerify failed: Office not found.";
    r.comment = "Urgent: payroll <today> & tomorrow";
    r.contact = {"Erika Muster", "erika@example.com", "+49 30 1234"};
    r.user = "erika";
    r.host = "lt-042";
    r.os = "Debian GNU/Linux 12 (bookworm)";
    r.fix_id = "remap-printers";
    r.run_id = "run-1";
    if (with_attachment) {
        write_file(dir / "bundle.tar.gz", bundle_bytes());
        r.attachments.push_back({"fixtray-diagnostics.tar.gz", "application/gzip",
                                 dir / "bundle.tar.gz", bundle_bytes().size()});
    }
    return r;
}

// Answers every connection at once with a plain HTTP 400 and closes it, without waiting for a
// request: what a TLS client sees when it meets a plain HTTP port (LocalHttpServer would wait
// for the end of headers a ClientHello never has).
class PlainHttpResponder {
public:
    PlainHttpResponder() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::listen(fd_, 16);
        socklen_t len = sizeof addr;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] {
            while (!stop_) {
                pollfd p{fd_, POLLIN, 0};
                if (::poll(&p, 1, 50) <= 0) continue;
                const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0) continue;
                static const char reply[] =
                    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                ::send(c, reply, sizeof reply - 1, MSG_NOSIGNAL);
                ::close(c);
            }
        });
    }
    PlainHttpResponder(const PlainHttpResponder&) = delete;
    PlainHttpResponder& operator=(const PlainHttpResponder&) = delete;
    ~PlainHttpResponder() {
        stop_ = true;
        thread_.join();
        ::close(fd_);
    }
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

inline BackendConfig config_for(const std::string& type, const std::string& url,
                                std::map<std::string, std::string> options) {
    BackendConfig c;
    c.type = type;
    c.where = "/etc/fixtray/fixtray.json";
    c.options = std::move(options);
    c.options["url"] = url;
    return c;
}

}  // namespace fixtray::test
