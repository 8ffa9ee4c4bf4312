// Windows: the admin helper there is to be a service that runs steps for a caller it identifies
// through its pipe's client token, not through variables; none of this applies yet, and the
// helper refuses to start rather than run with what it inherited.
#include "platform/privileged_start.h"

#include <windows.h>

namespace fixtray {

bool running_with_full_rights() {
    HANDLE token = nullptr;
    if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return false;
    TOKEN_ELEVATION elevation{};
    DWORD size = 0;
    const bool elevated =
        ::GetTokenInformation(token, TokenElevation, &elevation, sizeof elevation, &size) &&
        elevation.TokenIsElevated != 0;
    ::CloseHandle(token);
    return elevated;
}

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
