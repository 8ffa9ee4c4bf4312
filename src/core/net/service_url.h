// Checks on the address of a help desk service (ticket system, mail relay), made before any
// credential is sent to it.
#pragma once

#include <string>

#include "base/status.h"

namespace fixtray {

struct ServiceUrl {
    std::string scheme;            // lower case, e.g. "https", "smtp"
    std::string host;              // without brackets for IPv6 literals
    long port = 0;                 // the explicit or default port
    bool has_credentials = false;  // "user:password@" in the URL
};

// Parses an absolute URL with libcurl's URL parser; on failure, why it is not one ("not a valid URL
// (Bad scheme)", "the URL has no host").
Result<ServiceUrl> parse_service_url(const std::string& url);

// True for names and addresses that can only reach this machine: "localhost", 127.0.0.0/8, ::1.
bool is_loopback_host(const std::string& host);

}  // namespace fixtray
