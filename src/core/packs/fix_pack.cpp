#include "packs/fix_pack.h"

#include <algorithm>
#include <string_view>

namespace fixtray {

namespace {

char lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Language tags compare case-insensitively, with '_' and '-' equivalent.
bool same_tag(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = lower_ascii(a[i]), y = lower_ascii(b[i]);
        if (x == '_') x = '-';
        if (y == '_') y = '-';
        if (x != y) return false;
    }
    return true;
}

// "de_DE.UTF-8" -> "de_DE", "sr@latin" -> "sr"; "C" and "POSIX" mean no language.
std::string_view strip_locale(std::string_view lang) {
    const auto cut = lang.find_first_of(".@");
    if (cut != std::string_view::npos) lang = lang.substr(0, cut);
    if (lang == "C" || lang == "POSIX") return {};
    return lang;
}

std::string_view primary_subtag(std::string_view tag) {
    return tag.substr(0, std::min(tag.find_first_of("-_"), tag.size()));
}

}  // namespace

const std::string* LocalizedText::find(std::string_view lang) const {
    for (const auto& [tag, text] : by_lang)
        if (tag == lang) return &text;
    return nullptr;
}

const std::string& LocalizedText::get(const std::string& lang) const {
    static const std::string empty_text;
    if (by_lang.empty()) return empty_text;

    // Among the entries that match, the one with the smallest tag (the order of a sorted map).
    const auto first_match = [this](auto&& matches) -> const std::pair<std::string, std::string>* {
        const std::pair<std::string, std::string>* best = nullptr;
        for (const auto& entry : by_lang)
            if (matches(entry.first) && (!best || entry.first < best->first)) best = &entry;
        return best;
    };
    const std::string_view wanted = strip_locale(lang);
    if (!wanted.empty()) {
        const std::string_view primary = primary_subtag(wanted);
        // 1. exact tag, 2. the primary language alone, 3. any region of the same language.
        if (const auto* e = first_match(
                [&](const std::string& tag) { return !tag.empty() && same_tag(tag, wanted); }))
            return e->second;
        if (const auto* e = first_match(
                [&](const std::string& tag) { return !tag.empty() && same_tag(tag, primary); }))
            return e->second;
        if (const auto* e = first_match([&](const std::string& tag) {
                return !tag.empty() && same_tag(primary_subtag(tag), primary);
            }))
            return e->second;
    }
    if (const auto* e = first_match([](const std::string& tag) { return same_tag(tag, "en"); }))
        return e->second;
    if (const std::string* untagged = find("")) return *untagged;
    return first_match([](const std::string&) { return true; })->second;
}

const std::vector<int>& Step::ok_exit() const {
    static const std::vector<int> by_default{0};
    return ok_exit_codes.empty() ? by_default : ok_exit_codes;
}

const std::vector<int>& Step::expect_status() const {
    static const std::vector<int> by_default{200, 204};
    return expect_status_codes.empty() ? by_default : expect_status_codes;
}

const char* to_string(Platform p) {
    switch (p) {
        case Platform::linux:
            return "linux";
        case Platform::windows:
            return "windows";
        case Platform::macos:
            return "macos";
    }
    return "unknown";
}

std::optional<Platform> platform_from_string(std::string_view s) {
    if (s == "linux") return Platform::linux;
    if (s == "windows") return Platform::windows;
    if (s == "macos") return Platform::macos;
    return std::nullopt;
}

Platform current_platform() {
#if defined(_WIN32)
    return Platform::windows;
#elif defined(__APPLE__)
    return Platform::macos;
#else
    return Platform::linux;
#endif
}

const char* to_string(StepKind k) {
    switch (k) {
        case StepKind::run:
            return "run";
        case StepKind::shell:
            return "shell";
        case StepKind::delete_files:
            return "delete-files";
        case StepKind::end_process:
            return "end-process";
        case StepKind::http_probe:
            return "http-probe";
        case StepKind::dns_resolve:
            return "dns-resolve";
        case StepKind::tcp_connect:
            return "tcp-connect";
        case StepKind::exists:
            return "exists";
        case StepKind::wait:
            return "wait";
    }
    return "unknown";
}

bool Fix::runs_on(Platform p) const {
    return std::find(platforms.begin(), platforms.end(), p) != platforms.end();
}

bool Fix::needs_admin() const {
    const auto admin = [](const std::vector<Step>& phase) {
        return std::any_of(phase.begin(), phase.end(), [](const Step& s) { return s.admin; });
    };
    return admin(check) || admin(steps) || admin(verify) || admin(revert);
}

}  // namespace fixtray
