// Lexical rules of the fix-pack format (ids, durations, number lists, ${variable} references),
// separate from the XML walk so they can be tested on their own. Internal to the core.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace fixtray::pack_syntax {

// "com.example.helpdesk.vpn": at least two dot-separated labels of [a-z0-9-], each starting and
// ending with a letter or digit.
bool is_pack_id(std::string_view s);
// [a-z0-9][a-z0-9-]*
bool is_fix_id(std::string_view s);
// A variable, param, capture or record field name: [A-Za-z_][A-Za-z0-9_]*
bool is_identifier(std::string_view s);
// xml:lang values: 1-8 letters, then "-" subtags of 1-8 letters or digits.
bool is_language_tag(std::string_view s);

// Splits on XML white space (space, tab, CR, LF); empty items are dropped.
std::vector<std::string_view> split_ws(std::string_view s);

// The same split without allocating: while (words.next(w)) ...
class Words {
public:
    explicit Words(std::string_view s) : s_(s) {}
    bool next(std::string_view& word);

private:
    std::string_view s_;
    std::size_t pos_ = 0;
};

// Space-separated decimal integers (optional '-'), each within [min, max]; nullopt when empty
// or malformed.
std::optional<std::vector<int>> parse_int_list(std::string_view s, long long min, long long max);
// A decimal integer without sign or white space within [min, max].
std::optional<long long> parse_uint(std::string_view s, long long max);

// One ${name} or ${name.field} reference found in a string.
struct VarRef {
    std::string_view name;
    std::string_view field;  // empty without ".field"
    std::size_t pos = 0;     // of the '$'
};

// Scans a string for ${...} references ("$$" is a literal '$', any other '$' is literal too).
// Returns false, with `bad` set to the position of the offending '$', when a reference is not
// closed or is not of the form ${identifier} / ${identifier.identifier}.
bool scan_refs(std::string_view s, std::vector<VarRef>& out, std::size_t& bad);

}  // namespace fixtray::pack_syntax
