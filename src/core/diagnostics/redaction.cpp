#include "diagnostics/redaction.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "packs/pattern.h"

namespace fixtray {
namespace {

constexpr std::string_view mask = "***";

bool key_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || c == '-' || c == '.';
}
bool word_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || u >= 0x80;
}
char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower(c);
    return out;
}

// Key words that make the value after "key=" / "key:" a secret, as substrings of the key
// (db_password, access_token, X-Api-Key, client_secret...).
constexpr std::array<std::string_view, 14> secret_words = {
    "password", "passwd",  "passphrase",    "pwd",    "token",       "secret",      "apikey",
    "api_key",  "api-key", "authorization", "cookie", "private_key", "private-key", "credential"};

bool is_secret_key(std::string_view key, const std::string& low) {
    if (key == "PWD" || key == "OLDPWD") return false;  // the working directory, not a password
    for (auto w : secret_words)
        if (low.find(w) != std::string::npos) return true;
    return false;
}

// Headers whose whole value is a secret up to the end of the line.
bool is_header_key(const std::string& low) {
    return low.ends_with("authorization") || low == "cookie" || low == "set-cookie";
}

// "Bearer ", "Basic "...: kept in front of the masked value so the reader knows the kind.
std::size_t auth_scheme_length(std::string_view v) {
    static constexpr std::array<std::string_view, 6> schemes = {"bearer", "basic",     "digest",
                                                                "token",  "negotiate", "ntlm"};
    for (auto s : schemes) {
        if (v.size() > s.size() && v[s.size()] == ' ' && lowercase(v.substr(0, s.size())) == s)
            return s.size() + 1;
    }
    return 0;
}

bool line_end(char c) {
    return c == '\n' || c == '\r';
}

}  // namespace

bool is_secret_name(std::string_view name) {
    return is_secret_key(name, lowercase(name));
}

RedactionCounts& RedactionCounts::operator+=(const RedactionCounts& o) {
    private_keys += o.private_keys;
    url_credentials += o.url_credentials;
    secrets += o.secrets;
    custom += o.custom;
    pseudonyms += o.pseudonyms;
    return *this;
}

nlohmann::json to_json(const RedactionCounts& c) {
    return {{"private_keys", c.private_keys},
            {"url_credentials", c.url_credentials},
            {"secrets", c.secrets},
            {"custom", c.custom},
            {"pseudonyms", c.pseudonyms}};
}

std::string remove_private_keys(std::string_view text, int* count) {
    static constexpr std::string_view begin_tag = "-----BEGIN ";
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t b = text.find(begin_tag, pos);
        if (b == std::string_view::npos) break;
        const std::size_t label_start = b + begin_tag.size();
        // A PEM label is short and on the BEGIN line: look no further than 80 bytes, so that
        // text full of "-----BEGIN " stays linear.
        const std::string_view window = text.substr(label_start, 80);
        std::size_t label_end = window.find("-----");
        const std::size_t eol = window.find('\n');
        if (label_end == std::string_view::npos ||
            (eol != std::string_view::npos && eol < label_end)) {
            out.append(text.substr(pos, label_start - pos));
            pos = label_start;
            continue;
        }
        label_end += label_start;
        const std::string_view label = text.substr(label_start, label_end - label_start);
        if (label.find("PRIVATE KEY") == std::string_view::npos) {
            out.append(text.substr(pos, label_end - pos));
            pos = label_end;
            continue;
        }
        out.append(text.substr(pos, b - pos));
        out.append("[private key removed]");
        if (count) ++*count;
        const std::string end_tag = "-----END " + std::string(label) + "-----";
        const std::size_t e = text.find(end_tag, label_end);
        // Without its END line the rest of the text may all be key material: drop it.
        pos = e == std::string_view::npos ? text.size() : e + end_tag.size();
    }
    if (pos < text.size()) out.append(text.substr(pos));
    return out;
}

std::string strip_url_credentials(std::string_view text, int* count) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    for (;;) {
        const std::size_t s = text.find("://", pos);
        if (s == std::string_view::npos) break;
        const std::size_t start = s + 3;
        // The authority ends at '/', '?', '#', white space or a quote; the userinfo is what
        // comes before its last '@' (an unescaped '@' in a password stays masked too).
        std::size_t end = start;
        std::size_t at = std::string_view::npos;
        while (end < text.size() && end - start < 2048) {
            const char c = text[end];
            if (c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' ||
                c == '`' || std::isspace(static_cast<unsigned char>(c)))
                break;
            if (c == '@') at = end;
            ++end;
        }
        if (at != std::string_view::npos && at > start) {
            out.append(text.substr(pos, start - pos));
            out.append(mask);
            if (count) ++*count;
            pos = at;
        } else {
            out.append(text.substr(pos, start - pos));
            pos = start;
        }
    }
    out.append(text.substr(pos));
    return out;
}

std::string mask_secrets(std::string_view text, int* count) {
    std::string out;
    out.reserve(text.size());
    const std::size_t n = text.size();
    std::size_t copied = 0;  // text[copied, i) still has to be appended
    std::size_t i = 0;
    while (i < n) {
        if (!key_char(text[i]) || (i > 0 && key_char(text[i - 1]))) {
            ++i;
            continue;
        }
        std::size_t k = i;
        while (k < n && key_char(text[k])) ++k;
        std::string_view key = text.substr(i, k - i);
        std::string low = lowercase(key);
        // "API key: ..." (two words)
        if (low == "api" && k + 4 <= n && text[k] == ' ' &&
            lowercase(text.substr(k + 1, 3)) == "key") {
            k += 4;
            key = text.substr(i, k - i);
            low = "api key";
        }
        if (key.size() > 128 || (low != "api key" && !is_secret_key(key, low))) {
            i = k;
            continue;
        }
        // XML element: <password>value</password>
        std::size_t p = k;
        std::size_t v = 0, v_end = 0;
        if (i > 0 && text[i - 1] == '<' && p < n && text[p] == '>') {
            v = p + 1;
            v_end = v;
            while (v_end < n && text[v_end] != '<' && !line_end(text[v_end])) ++v_end;
        } else {
            if (p < n && (text[p] == '"' || text[p] == '\'')) {
                ++p;  // closing quote of a key
            } else if (p + 1 < n && text[p] == '\\' && text[p + 1] == '"') {
                p += 2;  // JSON inside a JSON string: \"key\": \"value\"
            }
            while (p < n && (text[p] == ' ' || text[p] == '\t')) ++p;
            if (p >= n || (text[p] != '=' && text[p] != ':')) {
                i = k;
                continue;
            }
            const char sep = text[p];
            if (p + 1 < n && (text[p + 1] == sep || (sep == ':' && text[p + 1] == '/'))) {
                i = k;  // "==", "::", "://": not an assignment
                continue;
            }
            ++p;
            while (p < n && (text[p] == ' ' || text[p] == '\t')) ++p;
            if (p >= n || line_end(text[p]) || text[p] == '{' || text[p] == '[') {
                i = k;
                continue;
            }
            if (p + 1 < n && text[p] == '\\' && text[p + 1] == '"') {
                v = p + 2;
                v_end = v;
                while (v_end < n && !line_end(text[v_end]) &&
                       !(text[v_end] == '\\' && v_end + 1 < n && text[v_end + 1] == '"'))
                    ++v_end;
            } else if (text[p] == '"' || text[p] == '\'') {
                const char q = text[p];
                v = p + 1;
                v_end = v;
                while (v_end < n && text[v_end] != q && !line_end(text[v_end])) {
                    if (text[v_end] == '\\' && v_end + 1 < n && !line_end(text[v_end + 1])) ++v_end;
                    ++v_end;
                }
            } else {
                v = p;
                v_end = v;
                if (is_header_key(low)) {
                    // To the end of the line, or of an escaped line inside a JSON string.
                    while (v_end < n && !line_end(text[v_end]) &&
                           !(text[v_end] == '\\' && v_end + 1 < n &&
                             (text[v_end + 1] == 'n' || text[v_end + 1] == 'r')))
                        ++v_end;
                } else {
                    while (v_end < n) {
                        const char c = text[v_end];
                        if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';' ||
                            c == '&' || c == '"' || c == '\'' || c == ')' || c == '}' || c == ']' ||
                            c == '<')
                            break;
                        // An escaped line break or tab (a printf format, a string in code):
                        // what follows is the next line, with a secret of its own.
                        if (c == '\\' && v_end + 1 < n &&
                            (text[v_end + 1] == 'n' || text[v_end + 1] == 'r' ||
                             text[v_end + 1] == 't'))
                            break;
                        ++v_end;
                    }
                }
            }
            if (is_header_key(low)) v += auth_scheme_length(text.substr(v, v_end - v));
        }
        if (v_end > v) {
            out.append(text.substr(copied, v - copied));
            out.append(mask);
            if (count) ++*count;
            copied = v_end;
        }
        i = std::max(k, v_end);
    }
    out.append(text.substr(copied));
    return out;
}

Redactor::Redactor(RedactionRules rules) : rules_(std::move(rules)), known_(rules_.secrets) {
    for (std::size_t i = 0; i < rules_.extra_patterns.size(); ++i) {
        const std::string& pattern = rules_.extra_patterns[i];
        const std::string where =
            "redaction pattern " + std::to_string(i + 1) + " (" + pattern + ")";
        if (pattern.empty()) {
            problems_.push_back(where + ": empty");
            continue;
        }
        Pattern compiled(pattern);
        if (compiled.ok())
            patterns_.push_back(std::move(compiled));
        else
            problems_.push_back(where + ": " + compiled.error());
    }
    if (rules_.pseudonymise) {
        auto add = [&](const std::vector<std::string>& names, const char* prefix) {
            int next = 1;
            for (const auto& name : names) {
                if (name.size() < 2 || pseudonyms_.count(name)) continue;
                pseudonyms_[name] = prefix + std::to_string(next++);
            }
        };
        add(rules_.user_names, "user-");
        add(rules_.host_names, "host-");
        for (const auto& [real, alias] : pseudonyms_) by_length_.emplace_back(real, alias);
        std::stable_sort(by_length_.begin(), by_length_.end(), [](const auto& a, const auto& b) {
            return a.first.size() > b.first.size();
        });
    }
}

Redactor::~Redactor() = default;
Redactor::Redactor(Redactor&&) noexcept = default;
Redactor& Redactor::operator=(Redactor&&) noexcept = default;

namespace {

// Whole-word, case-insensitive replacement of `name`.
std::string replace_name(const std::string& text, const std::string& name, const std::string& alias,
                         int* count) {
    const std::string low_text = lowercase(text);
    const std::string low_name = lowercase(name);
    std::string out;
    std::size_t copied = 0;
    std::size_t pos = 0;
    while ((pos = low_text.find(low_name, pos)) != std::string::npos) {
        const std::size_t end = pos + low_name.size();
        const bool starts = pos == 0 || !word_char(text[pos - 1]);
        const bool ends = end == text.size() || !word_char(text[end]);
        if (starts && ends) {
            out.append(text, copied, pos - copied);
            out.append(alias);
            ++*count;
            copied = end;
        }
        pos = end;
    }
    if (copied == 0) return text;
    out.append(text, copied, std::string::npos);
    return out;
}

}  // namespace

RedactionCounts Redactor::redact(std::string& text) {
    RedactionCounts c;
    c.secrets += known_.apply(text);
    text = remove_private_keys(text, &c.private_keys);
    text = strip_url_credentials(text, &c.url_credentials);
    text = mask_secrets(text, &c.secrets);
    for (const auto& p : patterns_) c.custom += p.replace_in_lines(text, mask);
    for (const auto& [real, alias] : by_length_)
        text = replace_name(text, real, alias, &c.pseudonyms);
    return c;
}

RedactionCounts Redactor::redact_json(nlohmann::json& value) {
    RedactionCounts c;
    if (value.is_string()) {
        c += redact(value.get_ref<std::string&>());
    } else if (value.is_array()) {
        for (auto& v : value) c += redact_json(v);
    } else if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string& key = it.key();
            const std::string low = lowercase(key);
            const bool secret = key.size() <= 128 && (is_secret_key(key, low) || low == "api key");
            if (secret && it.value().is_string() && !it.value().get_ref<std::string&>().empty()) {
                it.value() = std::string(mask);
                ++c.secrets;
            } else if (secret && it.value().is_number()) {
                it.value() = std::string(mask);
                ++c.secrets;
            } else {
                c += redact_json(it.value());
            }
        }
    }
    return c;
}

}  // namespace fixtray
