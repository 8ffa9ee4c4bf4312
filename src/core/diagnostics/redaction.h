// Redaction: removes secrets from diagnostics before anything is written, and optionally
// replaces user and host names with pseudonyms. The built-in rules are hand-written linear
// scanners; site patterns run on RE2 (packs/pattern.h), linear in the text as well.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/secret_mask.h"
#include "packs/pattern.h"

namespace fixtray {

struct RedactionRules {
    // Replace the names below with "user-1", "host-1"... consistently for one Redactor.
    bool pseudonymise = false;
    std::vector<std::string> user_names;  // e.g. the login name, the full name
    std::vector<std::string> host_names;  // e.g. the host name and its FQDN
    // Extra patterns from the site config (RE2 syntax); each non-empty match becomes "***". A
    // match lies within one line; ^ and $ are that line's start and end.
    std::vector<std::string> extra_patterns;
    // Values known to be secret (a secret param's site value, the ticket system's password, a
    // proxy password): masked wherever they appear, whatever is around them (base/secret_mask.h;
    // values under 4 characters are not).
    std::vector<std::string> secrets;
};

// What was redacted in one text (one diagnostics item), for the bundle's manifest.
struct RedactionCounts {
    int private_keys = 0;     // -----BEGIN ... PRIVATE KEY----- blocks removed
    int url_credentials = 0;  // scheme://user:password@ → scheme://***@
    int secrets = 0;  // known secret values; password=, token:, "secret": "...", Authorization:...
    int custom = 0;   // matches of extra_patterns
    int pseudonyms = 0;  // user and host names replaced

    int total() const { return private_keys + url_credentials + secrets + custom + pseudonyms; }
    RedactionCounts& operator+=(const RedactionCounts& o);
};
nlohmann::json to_json(const RedactionCounts& c);

// Not thread-safe (the pseudonym table is shared by all texts): one Redactor per bundle, used
// from one thread.
class Redactor {
public:
    explicit Redactor(RedactionRules rules);
    ~Redactor();
    Redactor(Redactor&&) noexcept;
    Redactor& operator=(Redactor&&) noexcept;

    // Extra patterns that were refused ("pattern N: why"). A caller must not write anything
    // while this is non-empty: a site that asked for a pattern expects it applied.
    const std::vector<std::string>& problems() const { return problems_; }

    // Redacts `text` in place and returns what was replaced.
    RedactionCounts redact(std::string& text);

    // Redacts a JSON document in place, value by value, never its serialised text (where an
    // escaped "\n" or "\"" would join a secret to the text around it): every string is
    // redacted as text, and the value of a member whose name is a secret's ("password",
    // "api_key", "Authorization", ...) is masked whole. The result is still valid JSON.
    RedactionCounts redact_json(nlohmann::json& value);

    // Real name → pseudonym ("alice" → "user-1"). For the caller to keep on this machine; it
    // must never travel with the bundle.
    const std::map<std::string, std::string>& pseudonyms() const { return pseudonyms_; }

private:
    RedactionRules rules_;
    std::vector<std::string> problems_;
    std::map<std::string, std::string> pseudonyms_;
    std::vector<std::pair<std::string, std::string>> by_length_;  // longest name first
    std::vector<Pattern> patterns_;
    SecretMask known_;  // rules_.secrets
};

// Is `name` (a config option, a JSON member, a header) one whose value is a secret: it contains
// password, passwd, token, secret, api_key, authorization, cookie, credential... (not PWD).
bool is_secret_name(std::string_view name);

// The individual built-in passes, each linear in the input. They return the new text and add
// to *count what they replaced.
std::string remove_private_keys(std::string_view text, int* count = nullptr);
std::string strip_url_credentials(std::string_view text, int* count = nullptr);
std::string mask_secrets(std::string_view text, int* count = nullptr);

}  // namespace fixtray
