// Delivery without a ticket server, for sites that have none the laptop may talk to:
//   mailto  builds a mailto: URI (RFC 6068) and opens it with the desktop's handler (the
//           employee's mail program, platform/open_uri.h); the employee attaches the bundle
//           and sends the mail. The request is recorded as handed to the mail program
//           (handed_to), not as a ticket. Options: "to" (required), "cc", "max_length"
//           (default 2000 characters).
//   save    copies the bundle and a text file with the request into a folder the employee can
//           reach (option "dir"; default the desktop, else the download directory, else home)
//           and tells them to send it. Option "hint": what to do with it, e.g. "e-mail it to
//           it@example.com".
// Both return delivered with ticket_id "", handed_to set and a message telling the employee what
// to do; find() is unsupported.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "platform/platform_paths.h"
#include "tickets/ticket_backend.h"

namespace fixtray {

// "mailto:TO?subject=...&body=..." with every character outside RFC 3986's unreserved set
// percent-encoded (UTF-8), line breaks as %0D%0A. When longer than max_length the body is
// shortened at a character boundary and ends with a note saying so.
std::string mailto_uri(const std::string& to, const std::string& cc, const std::string& subject,
                       const std::string& body, std::size_t max_length = 2000);

// Where "save" puts requests without a "dir" option: XDG_DESKTOP_DIR (user-dirs.dirs) or
// ~/Desktop when it exists, else XDG_DOWNLOAD_DIR or ~/Downloads when it exists, else home.
std::string default_save_dir(const UserEnvironment& env);

// `runner` starts the mail program; without one, create() fails saying so.
Result<std::unique_ptr<TicketBackend>> make_mailto_backend(const BackendConfig& config,
                                                           ProcessRunner* runner);
Result<std::unique_ptr<TicketBackend>> make_save_backend(const BackendConfig& config);

}  // namespace fixtray
