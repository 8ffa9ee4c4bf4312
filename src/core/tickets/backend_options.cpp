#include "tickets/backend_options.h"

#include "net/service_url.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "platform/read_file.h"

namespace fixtray {
namespace {

std::string trim_right(std::string s) {
    while (!s.empty() &&
           (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
        s.pop_back();
    return s;
}

// scheme://[userinfo@]host[:port][/...] -> {scheme, userinfo, host}; host without brackets.
struct UrlParts {
    std::string scheme, userinfo, host;
};

bool split_url(const std::string& url, UrlParts* out) {
    const auto sep = url.find("://");
    if (sep == std::string::npos || sep == 0) return false;
    out->scheme = url.substr(0, sep);
    for (char& c : out->scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string authority = url.substr(sep + 3, url.find_first_of("/?#", sep + 3) - (sep + 3));
    if (const auto at = authority.rfind('@'); at != std::string::npos) {
        out->userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
    }
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) return false;
        out->host = authority.substr(1, close - 1);
    } else {
        out->host = authority.substr(0, authority.find(':'));
    }
    return !out->host.empty();
}

}  // namespace

bool url_host_is_loopback(const std::string& url) {
    const Result<ServiceUrl> parsed = parse_service_url(url);
    return parsed && is_loopback_host(parsed->host);
}

void BackendOptions::fail(const std::string& text) {
    if (error_.empty()) error_ = config_.where + ": escalation.backend: " + text;
}

std::string BackendOptions::required(const std::string& key) {
    std::string v = config_.option(key);
    if (v.empty()) fail("\"" + key + "\" is required for " + config_.type);
    return v;
}

Result<std::string> backend_ca_file(const BackendConfig& config) {
    const std::string path = config.option("ca_file");
    if (path.empty()) return std::string();
    const std::string where = config.where + ": escalation.backend.ca_file: ";
    std::error_code ec;
    if (!std::filesystem::path(path).is_absolute())
        return Status::error(where + "\"" + path +
                             "\" must be an absolute path to a PEM file of CA certificates");
    if (!std::filesystem::is_regular_file(path, ec))
        return Status::error(where + path + " is not a file");
    return path;
}

std::string BackendOptions::ca_file() {
    Result<std::string> path = backend_ca_file(config_);
    if (!path) {
        if (error_.empty()) error_ = path.message();
        return {};
    }
    return std::move(path).value();
}

std::string BackendOptions::optional(const std::string& key, const std::string& fallback) const {
    std::string v = config_.option(key);
    return v.empty() ? fallback : v;
}

std::string BackendOptions::secret(const std::string& key, bool required) {
    const std::string inline_value = config_.option(key);
    const std::string file = config_.option(key + "_file");
    if (!inline_value.empty() && !file.empty()) {
        fail("give either \"" + key + "\" or \"" + key + "_file\", not both");
        return inline_value;
    }
    if (!inline_value.empty()) return inline_value;
    if (file.empty()) {
        if (required)
            fail("\"" + key + "\" (or \"" + key + "_file\") is required for " + config_.type);
        return "";
    }
    std::string content;
    if (Status read = read_file_bounded(file, 64 * 1024, content); !read) {
        fail("\"" + key + "_file\": " + file + ": " + read.message());
        return "";
    }
    if (content.size() > 64 * 1024) {
        fail("\"" + key + "_file\": " + file + " is too large for a secret");
        return "";
    }
    content = trim_right(std::move(content));
    if (content.empty()) fail("\"" + key + "_file\": " + file + " is empty");
    return content;
}

std::string BackendOptions::base_url() {
    std::string url = required("url");
    if (url.empty()) return url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    UrlParts p;
    if (!split_url(url, &p) || (p.scheme != "https" && p.scheme != "http")) {
        fail("\"url\" must be an https:// URL: " + url);
    } else if (!p.userinfo.empty()) {
        fail("\"url\" must not contain credentials; use the backend's credential options");
    } else if (p.scheme == "http" && !url_host_is_loopback(url)) {
        fail("\"url\" must use https:// (plain http:// is allowed only to this machine): " + url);
    }
    return url;
}

std::chrono::milliseconds BackendOptions::seconds(const std::string& key,
                                                  std::chrono::milliseconds fallback) {
    const std::string v = config_.option(key);
    if (v.empty()) return fallback;
    char* end = nullptr;
    const double s = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !(s > 0) || s > 3600) {
        fail("\"" + key + "\" must be a number of seconds between 0 and 3600: " + v);
        return fallback;
    }
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

}  // namespace fixtray
