// E-mail to the help desk's mail intake, over SMTP with libcurl: a multipart mail with the
// request as text and the diagnostics bundle attached.
#pragma once

#include <memory>
#include <string>

#include "tickets/ticket_backend.h"

namespace fixtray {

// Options (BackendConfig::options):
//   smtp_url   smtp://host:port or smtps://host:port
//   starttls   required (default) | try | off; anything but "required" (or smtps://) only for a
//              loopback relay, so mail and credentials never cross the network in the clear
//   from, to   addresses; `to` may list several, separated by commas
//   user + (password | password_file)   SMTP AUTH, optional
//   timeout    seconds without progress before giving up (default 60); connecting: at most 10 s
// The mail carries "Message-ID: <ID@fixtray>" and "X-Fixtray-Request: ID" (ID = the request's
// correlation id), so a mail intake can drop a duplicate; find() cannot look anything up and
// returns unsupported. create() gives ticket_id = the Message-ID. Calls curl_global_init once.
// Fails on bad config with a message naming config.where and the option.
Result<std::unique_ptr<TicketBackend>> make_smtp_backend(const BackendConfig& config);

}  // namespace fixtray
