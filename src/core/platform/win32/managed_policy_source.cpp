// read_managed_policy on Windows: walks HKLM\SOFTWARE\Policies\fixtray, where Group Policy (the
// templates in installer/windows/fixtray.admx) and other management tools write the machine's
// policy. Always the 64-bit registry view (KEY_WOW64_64KEY), so that a 32-bit build reads what
// Group Policy wrote. Only administrators can write there: what is read is the machine's.
//
// Bounded like a config file: at most 1 MiB of names and data, 10,000 values and 8 levels of
// keys; beyond that the rest is not read and an error says so. REG_EXPAND_SZ is expanded
// (ExpandEnvironmentStringsW) and kept as REG_SZ. A key or value that cannot be read is an
// error in tree->errors naming its path; what could be read is kept.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "platform/managed_policy_source.h"
#include "platform/win32/win32_text.h"

namespace fixtray {
namespace {

constexpr wchar_t kRootPath[] = L"SOFTWARE\\Policies\\fixtray";
constexpr REGSAM kAccess = KEY_READ | KEY_WOW64_64KEY;
constexpr int kMaxDepth = 8;
constexpr std::size_t kMaxBytes = 1024 * 1024;
constexpr std::size_t kMaxValues = 10000;

class Key {
public:
    explicit Key(HKEY h) : h_(h) {}
    Key(const Key&) = delete;
    Key& operator=(const Key&) = delete;
    ~Key() {
        if (h_ != nullptr) ::RegCloseKey(h_);
    }
    HKEY get() const { return h_; }

private:
    HKEY h_;
};

struct Walk {
    PolicyTree* tree;
    std::size_t bytes = 0;
    std::size_t values = 0;
    bool full = false;  // a bound was reached: nothing more is read
};

std::string shown(const std::string& path) {
    return path.empty() ? std::string(kManagedPolicyRoot)
                        : std::string(kManagedPolicyRoot) + "\\" + path;
}

// The UTF-16 text of REG_SZ / REG_EXPAND_SZ data, without the terminating NULs (the registry
// does not promise one, nor that there is only one).
std::wstring wide_text(const BYTE* data, DWORD size) {
    std::wstring w(size / sizeof(wchar_t), L'\0');
    if (!w.empty()) std::memcpy(w.data(), data, w.size() * sizeof(wchar_t));
    while (!w.empty() && w.back() == L'\0') w.pop_back();
    return w;
}

std::wstring expanded(const std::wstring& text) {
    const DWORD n = ::ExpandEnvironmentStringsW(text.c_str(), nullptr, 0);
    if (n == 0) return text;
    std::wstring out(n, L'\0');
    const DWORD written = ::ExpandEnvironmentStringsW(text.c_str(), out.data(), n);
    if (written == 0 || written > n) return text;
    out.resize(written);
    while (!out.empty() && out.back() == L'\0') out.pop_back();
    return out;
}

// The strings of REG_MULTI_SZ data: NUL-separated, ended by an empty one.
std::vector<std::string> multi_text(const BYTE* data, DWORD size) {
    const std::wstring all = wide_text(data, size);
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start < all.size()) {
        std::size_t end = all.find(L'\0', start);
        if (end == std::wstring::npos) end = all.size();
        if (end == start) break;  // the empty string that ends the list
        items.push_back(win32::narrow(std::wstring_view(all).substr(start, end - start)));
        start = end + 1;
    }
    return items;
}

void read_key(HKEY key, const std::string& path, int depth, Walk& walk);

void read_values(HKEY key, const std::string& path, Walk& walk) {
    std::vector<PolicyValue>& out = walk.tree->keys[path];
    DWORD max_name = 0;
    DWORD max_data = 0;
    auto query = [&] {
        return ::RegQueryInfoKeyW(key, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                  nullptr, &max_name, &max_data, nullptr, nullptr);
    };
    if (LONG rc = query(); rc != ERROR_SUCCESS) {
        walk.tree->errors.push_back(
            shown(path) + ": cannot be read: " + win32::error_with_code(static_cast<DWORD>(rc)));
        return;
    }
    int retries = 0;
    for (DWORD i = 0; !walk.full;) {
        std::wstring name(max_name + 1, L'\0');
        std::vector<BYTE> data(max_data + 2 * sizeof(wchar_t), 0);
        DWORD name_len = static_cast<DWORD>(name.size());
        DWORD type = REG_NONE;
        DWORD size = static_cast<DWORD>(data.size());
        const LONG rc =
            ::RegEnumValueW(key, i, name.data(), &name_len, nullptr, &type, data.data(), &size);
        if (rc == ERROR_NO_MORE_ITEMS) break;
        if (rc == ERROR_MORE_DATA && ++retries <= 3) {
            // Written to since the sizes were asked: ask again and read the same value.
            if (query() == ERROR_SUCCESS) {
                max_name = std::max<DWORD>(max_name, name_len);
                max_data = std::max<DWORD>(max_data, size);
                continue;
            }
        }
        if (rc != ERROR_SUCCESS) {
            walk.tree->errors.push_back(
                shown(path) + ": value " + std::to_string(i) +
                " cannot be read: " + win32::error_with_code(static_cast<DWORD>(rc)));
            break;
        }
        retries = 0;
        ++i;
        name.resize(name_len);
        const std::string value_name = win32::narrow(name);
        walk.bytes += name_len * sizeof(wchar_t) + size;
        if (++walk.values > kMaxValues || walk.bytes > kMaxBytes) {
            walk.tree->errors.push_back(
                shown(path) +
                ": the policy is larger than 10,000 values or 1 MiB; the rest "
                "(from value \"" +
                value_name + "\" on) is not read");
            walk.full = true;
            break;
        }
        switch (type) {
            case REG_SZ:
                out.push_back(
                    PolicyValue::reg_sz(value_name, win32::narrow(wide_text(data.data(), size))));
                break;
            case REG_EXPAND_SZ:
                out.push_back(PolicyValue::reg_sz(
                    value_name, win32::narrow(expanded(wide_text(data.data(), size)))));
                break;
            case REG_DWORD:
            case REG_QWORD: {
                const DWORD expected = type == REG_DWORD ? 4 : 8;
                if (size != expected) {
                    walk.tree->errors.push_back(
                        shown(path) + " (value " + value_name +
                        "): " + (type == REG_DWORD ? "REG_DWORD" : "REG_QWORD") + " data of " +
                        std::to_string(size) + " bytes, not " + std::to_string(expected));
                    break;
                }
                if (type == REG_DWORD) {
                    std::uint32_t n = 0;
                    std::memcpy(&n, data.data(), 4);
                    out.push_back(PolicyValue::reg_dword(value_name, n));
                } else {
                    std::uint64_t n = 0;
                    std::memcpy(&n, data.data(), 8);
                    out.push_back(PolicyValue::reg_qword(value_name, n));
                }
                break;
            }
            case REG_MULTI_SZ:
                out.push_back(PolicyValue::reg_multi_sz(value_name, multi_text(data.data(), size)));
                break;
            default:
                out.push_back(PolicyValue::reg_other(value_name, type));
                break;
        }
    }
}

void read_key(HKEY key, const std::string& path, int depth, Walk& walk) {
    read_values(key, path, walk);
    DWORD max_subkey = 0;
    if (LONG rc = ::RegQueryInfoKeyW(key, nullptr, nullptr, nullptr, nullptr, &max_subkey, nullptr,
                                     nullptr, nullptr, nullptr, nullptr, nullptr);
        rc != ERROR_SUCCESS) {
        walk.tree->errors.push_back(
            shown(path) + ": cannot be read: " + win32::error_with_code(static_cast<DWORD>(rc)));
        return;
    }
    // The names first, then each subkey: reading a subkey never shifts the enumeration.
    std::vector<std::wstring> names;
    for (DWORD i = 0;; ++i) {
        std::wstring name(std::max<DWORD>(max_subkey, 255) + 1, L'\0');
        DWORD len = static_cast<DWORD>(name.size());
        const LONG rc =
            ::RegEnumKeyExW(key, i, name.data(), &len, nullptr, nullptr, nullptr, nullptr);
        if (rc == ERROR_NO_MORE_ITEMS) break;
        if (rc != ERROR_SUCCESS) {
            walk.tree->errors.push_back(
                shown(path) + ": subkey " + std::to_string(i) +
                " cannot be read: " + win32::error_with_code(static_cast<DWORD>(rc)));
            break;
        }
        name.resize(len);
        names.push_back(std::move(name));
    }
    for (const auto& name : names) {
        if (walk.full) return;
        const std::string sub =
            path.empty() ? win32::narrow(name) : path + "\\" + win32::narrow(name);
        if (depth + 1 > kMaxDepth) {
            walk.tree->errors.push_back(shown(sub) + ": deeper than " + std::to_string(kMaxDepth) +
                                        " levels, not read");
            continue;
        }
        HKEY h = nullptr;
        const LONG rc = ::RegOpenKeyExW(key, name.c_str(), 0, kAccess, &h);
        if (rc != ERROR_SUCCESS) {
            walk.tree->errors.push_back(
                shown(sub) + ": cannot be read: " + win32::error_with_code(static_cast<DWORD>(rc)));
            continue;
        }
        const Key opened(h);
        read_key(opened.get(), sub, depth + 1, walk);
    }
}

}  // namespace

PolicySource read_managed_policy(PolicyTree* tree) {
    *tree = {};
    HKEY h = nullptr;
    const LONG rc = ::RegOpenKeyExW(HKEY_LOCAL_MACHINE, kRootPath, 0, kAccess, &h);
    if (rc == ERROR_FILE_NOT_FOUND) return PolicySource::none;
    if (rc != ERROR_SUCCESS) {
        tree->errors.push_back(std::string(kManagedPolicyRoot) + ": cannot be read: " +
                               win32::error_with_code(static_cast<DWORD>(rc)));
        return PolicySource::read;
    }
    const Key root(h);
    Walk walk{tree};
    read_key(root.get(), "", 0, walk);
    return PolicySource::read;
}

}  // namespace fixtray
