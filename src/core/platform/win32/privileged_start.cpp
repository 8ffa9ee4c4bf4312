// Windows: the admin helper there is to be a service that runs steps for a caller it identifies
// through its pipe's client token, not through variables; none of this applies yet, and the
// helper refuses to start rather than run with what it inherited.
#include "platform/privileged_start.h"

namespace fixtray {

Status reset_inherited_state() {
    return Status::error("the admin helper is not available on Windows yet");
}

Status shield_from_caller(unsigned) {
    return Status::error("the admin helper is not available on Windows yet");
}

Result<unsigned> launcher_caller_uid(const char*, const char*, unsigned) {
    return Status::error("the admin helper is not available on Windows yet");
}

}  // namespace fixtray
