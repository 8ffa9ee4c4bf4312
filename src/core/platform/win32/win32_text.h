// UTF-8 <-> UTF-16 and system error text for the Windows platform files. NOT BUILT ON LINUX
// (src/CMakeLists.txt globs core/win32/*.cpp only when WIN32).
#pragma once

#include <windows.h>

#include <string>
#include <string_view>

namespace fixtray::win32 {

std::wstring widen(std::string_view s);
std::string narrow(std::wstring_view w);

// FormatMessage text for a system (or Winsock) error code without the trailing line break:
// "Access is denied."; "error N" when the system has no text for it.
std::string system_message(DWORD code);

// The same with the final '.' dropped and the code appended, for one-line details:
// "Access is denied (5)".
std::string error_with_code(DWORD code);

}  // namespace fixtray::win32
