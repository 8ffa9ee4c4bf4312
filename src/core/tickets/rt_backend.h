// Request Tracker (RT 5) through its REST 2 API.
#pragma once

#include <memory>
#include <string>

#include "tickets/ticket_backend.h"

namespace fixtray {

// Options (BackendConfig::options):
//   url            base URL, e.g. https://rt.example.com (https unless the host is loopback)
//   queue          queue name, default "General"
//   token | token_file                   API token, sent as "Authorization: token ..."
//   user + (password | password_file)    HTTP Basic instead of a token
//   timeout        seconds for one request (default 60); connecting has at most 10 s of it
// Files are read once, here. Fails on bad config with a message naming config.where and the
// option. `http` must outlive the backend. The backend is stateless between calls and may
// be used from one thread at a time.
Result<std::unique_ptr<TicketBackend>> make_rt_backend(const BackendConfig& config,
                                                       HttpClient& http);

}  // namespace fixtray
