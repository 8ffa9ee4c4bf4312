#include "packs/fix_pack.h"

#include <algorithm>
#include <string_view>

#include "packs/pack_syntax.h"

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

const std::pair<std::string, std::string>* LocalizedText::entry_for(const std::string& lang) const {
    if (by_lang.empty()) return nullptr;

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
            return e;
        if (const auto* e = first_match(
                [&](const std::string& tag) { return !tag.empty() && same_tag(tag, primary); }))
            return e;
        if (const auto* e = first_match([&](const std::string& tag) {
                return !tag.empty() && same_tag(primary_subtag(tag), primary);
            }))
            return e;
    }
    if (const auto* e = first_match([](const std::string& tag) { return same_tag(tag, "en"); }))
        return e;
    if (const auto* e = first_match([](const std::string& tag) { return tag.empty(); })) return e;
    return first_match([](const std::string&) { return true; });
}

const std::string& LocalizedText::get(const std::string& lang) const {
    static const std::string empty_text;
    const auto* e = entry_for(lang);
    return e ? e->second : empty_text;
}

const std::string& LocalizedText::tag_for(const std::string& lang) const {
    static const std::string none;
    const auto* e = entry_for(lang);
    return e ? e->first : none;
}

std::string LocalizedText::take(const std::string& lang) {
    const auto* e = entry_for(lang);
    if (!e) return {};
    return std::move(by_lang[static_cast<std::size_t>(e - by_lang.data())].second);
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
    if (steps_dropped) return dropped_steps_need_admin;
    const auto admin = [](const std::vector<Step>& phase) {
        return std::any_of(phase.begin(), phase.end(), [](const Step& s) { return s.admin; });
    };
    return admin(check) || admin(steps) || admin(verify) || admin(revert);
}

std::vector<std::string> Fix::names_used() const {
    std::vector<std::string> names;
    std::vector<pack_syntax::VarRef> refs;
    const auto scan = [&](std::string_view text) {
        if (text.find('$') == std::string_view::npos) return;
        refs.clear();
        std::size_t bad = 0;
        static_cast<void>(pack_syntax::scan_refs(text, refs, bad));  // loaded packs are valid
        for (const auto& r : refs) names.emplace_back(r.name);
    };
    const auto name_of_path = [&](const std::string& path) {  // "list" or "list.field"
        if (!path.empty()) names.push_back(path.substr(0, path.find('.')));
    };
    for (const auto* phase : {&check, &steps, &verify, &revert})
        for (const Step& st : *phase) {
            name_of_path(st.foreach_list);
            name_of_path(st.foreach_except);
            for (const auto& a : st.argv) scan(a);
            for (const std::string* f :
                 {&st.label, &st.root, &st.glob, &st.path, &st.url, &st.host, &st.process_name,
                  &st.stdout_match, &st.if_program, &st.skip_if_running})
                scan(*f);
        }
    for (const auto& c : conditions) scan(c.value);
    for (const auto& d : diagnostics) {
        for (const auto& a : d.argv) scan(a);
        scan(d.path);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::string user_folder_variable_in(const Step& step) {
    std::vector<const std::string*> fields{&step.root, &step.path, &step.glob, &step.script};
    for (const std::string& a : step.argv) fields.push_back(&a);
    for (const char* name : {"home", "cache", "config", "data", "state", "trash", "temp"}) {
        const std::string ref = std::string("${") + name + "}";
        for (const std::string* f : fields)
            if (f->find(ref) != std::string::npos) return name;
    }
    return {};
}

}  // namespace fixtray
