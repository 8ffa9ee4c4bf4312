// Reading a ticket backend's options from BackendConfig: required values, secrets given inline or
// as *_file, the server URL and timeouts. Every problem names the config file and the option.
#pragma once

#include <chrono>
#include <string>

#include "tickets/ticket_backend.h"

namespace fixtray {

// Collects the first problem; callers read all options, then check ok(). Not thread-safe.
class BackendOptions {
public:
    explicit BackendOptions(const BackendConfig& config) : config_(config) {}

    // A value that must be set (non-empty).
    std::string required(const std::string& key);
    std::string optional(const std::string& key, const std::string& fallback = "") const;
    // A secret: option `key`, or the content of the file named by option `key + "_file"` (read
    // now, trailing whitespace removed). With required, one of the two must be given.
    std::string secret(const std::string& key, bool required = true);
    // Option "url" without a trailing '/': https://, or http:// only to a loopback host.
    std::string base_url();
    // Option "ca_file": an absolute path to a PEM file of CA certificates (an internal CA) the
    // server's certificate is verified with, or "" for the system's; must name a file.
    std::string ca_file();
    // Option `key` in seconds (may be fractional), e.g. "timeout": "30".
    std::chrono::milliseconds seconds(const std::string& key, std::chrono::milliseconds fallback);

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    // "<where>: escalation.backend: " + text; kept only when it is the first problem.
    void fail(const std::string& text);

private:
    const BackendConfig& config_;
    std::string error_;
};

// Option "ca_file" of a backend config, checked as BackendOptions::ca_file does; the error
// names the config file and the option.
Result<std::string> backend_ca_file(const BackendConfig& config);

// Is the host of an http(s) URL a loopback name or address (localhost, 127.0.0.0/8, [::1])?
bool url_host_is_loopback(const std::string& url);

}  // namespace fixtray
