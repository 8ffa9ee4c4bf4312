#include "tickets/ticket_backend.h"

namespace fixtray {

DeliveryResult::Kind classify_http_status(long status) {
    if (status >= 200 && status < 300) return DeliveryResult::Kind::delivered;
    // Transport failures (0), timeouts, throttling and server trouble are worth retrying.
    if (status == 0 || status == 408 || status == 425 || status == 429 || status >= 500)
        return DeliveryResult::Kind::retry;
    return DeliveryResult::Kind::failed;
}

}  // namespace fixtray
