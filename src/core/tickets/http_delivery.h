// How an HTTP answer (or a transport failure) becomes a DeliveryResult or LookupResult, the same
// way for every HTTP ticket backend: messages name the server, the step and the status and quote
// the API's own error text (bounded).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_client.h"
#include "net/url_encode.h"  // url_encode, for the backends
#include "tickets/ticket_backend.h"

namespace fixtray {

// nullopt for a 2xx answer. Otherwise: 401/403 failed ("credentials refused by <server>"),
// other statuses as classify_http_status() says, transport failures retry. Retry-After is read
// from 429/503 answers. With `creating` (the call that creates the ticket), a transport failure
// after the request went out sets maybe_created. `what` says what was being done, e.g.
// "creating the ticket".
std::optional<DeliveryResult> delivery_failure(const std::string& server, const std::string& what,
                                               const HttpResponse& response, bool creating,
                                               std::chrono::system_clock::time_point now);

// nullopt for a 2xx answer, else a LookupResult of kind error with the same kind of message.
std::optional<LookupResult> lookup_failure(const std::string& server, const std::string& what,
                                           const HttpResponse& response);

// The API's error text from an answer body: JSON error fields ("error", "message",
// "errorMessage(s)", "errors", "detail", "description") when present, else the text itself;
// control characters flattened, at most max_chars.
std::string api_error_text(const std::string& body, std::size_t max_chars = 300);

}  // namespace fixtray
