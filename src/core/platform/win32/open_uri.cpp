#include "platform/open_uri.h"

#include <windows.h>

#include <shellapi.h>

#include "platform/win32/win32_text.h"

namespace fixtray {

Status open_uri(const std::string& uri, ProcessRunner&) {
    const std::wstring wide = win32::widen(uri);
    const auto result = reinterpret_cast<INT_PTR>(
        ::ShellExecuteW(nullptr, L"open", wide.c_str(), nullptr, nullptr, SW_SHOWNORMAL));
    if (result <= 32)
        return Status::error("Windows found no program to open it (ShellExecute error " +
                             std::to_string(static_cast<long long>(result)) + ")");
    return {};
}

}  // namespace fixtray
