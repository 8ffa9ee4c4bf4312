// What the parts of the pack loader share (internal to it): the document being read with the
// problems found so far, and PackReader, the helpers for reading its elements and attributes
// that report what is wrong at file:line:column.
//
// Locations: the document is parsed in place in a private copy, so every element and attribute
// name and every text points into that copy and its byte offset is a pointer difference; a
// LineMap over the original text turns offsets into line:column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "packs/fix_pack.h"
#include "packs/line_map.h"
#include "packs/pack_loader.h"
#include "packs/pack_syntax.h"

namespace fixtray::pack_reading {

inline constexpr std::size_t npos = std::string_view::npos;

// --- text helpers ---

// Whether the NUL-terminated name `p` (an element or attribute name) is `name`.
inline bool is_name(const char* p, std::string_view name) {
    for (const char c : name)
        if (*p++ != c) return false;
    return *p == '\0';
}
// A hostile value for a message: in quotes, control characters as '?', cut after 80 bytes.
std::string quoted(std::string_view s);
// "<name>", the name cut after 80 bytes.
std::string tag(std::string_view name);
bool is_xml_space(char c);
bool is_blank(std::string_view s);
std::string_view trim(std::string_view s);  // without leading and trailing XML white space
char ascii_lower(char c);
// ${home}, ${cache}, ${config}, ${temp}, ${user}, ${host}, ${packdir}.
bool is_builtin(std::string_view name);
bool is_absolute_path(std::string_view p);  // "/x", "\x", "C:\x", "C:/x"
bool is_variable_or_absolute(std::string_view p);

// --- the document ---

// One document being read. Every PackReader over it adds its problems here.
struct PackDocument {
    static constexpr std::size_t kMaxProblems = 200;

    // `text` must outlive the document; the parse works on `parse_buffer`, a copy of it.
    PackDocument(std::string_view text, const std::string& file)
        : text(text), file(file), lines(text) {}

    std::string_view text;              // as given, unmodified: the messages' positions refer to it
    std::string parse_buffer;           // the copy pugixml parses in place (set by the loader)
    const std::string& file;            // for messages only
    LineMap lines;                      // over `text`
    std::vector<PackProblem> problems;  // in the order found, at most kMaxProblems
    std::size_t errors = 0;             // all errors, also those past kMaxProblems

    std::string text_buffer;                       // PackReader::text_of's
    std::vector<pack_syntax::VarRef> refs_buffer;  // PackReader::check_refs's
};

// --- attributes ---

// An attribute found by read_attrs: its name and value in the parse buffer. Attr{} is "absent".
struct Attr {
    const char* name_;
    const char* value_;

    explicit operator bool() const { return name_ != nullptr; }
    const char* name() const { return name_ ? name_ : ""; }
    const char* value() const { return value_ ? value_ : ""; }
};

// The attributes of one element by index into a table of names. Only the slots named in
// `present` are written.
template <std::size_t N>
struct AttrTable {
    static_assert(N <= 32);
    std::uint32_t present = 0;
    Attr slots[N];

    Attr operator[](std::size_t i) const { return (present >> i) & 1u ? slots[i] : Attr{}; }
};

constexpr std::uint32_t bit(unsigned i) {
    return 1u << i;
}

// What a ${name} may refer to inside one step or fix.
struct Scope {
    const std::vector<Param>* params = nullptr;
    const std::vector<std::string>* captures = nullptr;  // lists captured earlier in this fix
    std::string_view foreach_var;
    const Param* foreach_param = nullptr;  // null: iterating a captured list (plain values)
    bool foreach_unknown = false;          // the list is in error: accept any use of the item

    const Param* param(std::string_view name) const;
    bool captured(std::string_view name) const;
};

// --- the reader ---

// Reads the elements of one document. Holds no state of its own (that is in PackDocument), so
// the readers of its parts (the pack walk, the step parser) are cheap to make and see the same
// problems.
class PackReader {
public:
    explicit PackReader(PackDocument& doc) : doc_(doc) {}

protected:
    // --- problems and locations; an offset of npos is "no position" ---
    void error(std::size_t offset, std::string message);
    void warning(std::size_t offset, std::string message);
    SourcePos pos(std::size_t offset) const;

    std::size_t offset_of(const char* p) const;
    // Offset of an element's '<'.
    std::size_t off(pugi::xml_node n) const;
    // The same, given the element's name (saves a call into the library).
    std::size_t off(pugi::xml_node n, const char* name) const;
    std::size_t off(pugi::xml_attribute a) const { return offset_of(a.name()); }
    std::size_t off(Attr a) const { return a ? offset_of(a.name_) : npos; }
    std::size_t text_off(pugi::xml_node text) const { return offset_of(text.value()); }

    // --- element helpers ---

    // Reads the attributes of `el` whose names are in `names` and allowed by the bits of
    // `allowed`; reports the others and repeated ones.
    template <std::size_t N>
    void read_attrs(pugi::xml_node el, std::span<const std::string_view> names,
                    std::uint32_t allowed, AttrTable<N>& out) {
        read_attrs(el, names.first(std::min(names.size(), N)), allowed, out.slots, out.present);
    }
    void read_attrs(pugi::xml_node el, std::span<const std::string_view> names,
                    std::uint32_t allowed, Attr* slots, std::uint32_t& present);
    // Reports every attribute of `el` as unknown.
    void no_attrs(pugi::xml_node el);
    // Reports a missing required attribute; true when it is there.
    bool require(pugi::xml_node el, Attr a, std::string_view name);
    std::optional<bool> boolean(Attr a);
    std::optional<long long> duration(Attr a);
    // The text of an element that holds only text. The view is valid until the next call (by
    // any reader of the document).
    std::string_view text_of(pugi::xml_node el, std::size_t& offset);
    void expect_empty(pugi::xml_node el);
    // True for a text child; reports it unless it is blank.
    bool stray_text(pugi::xml_node child, pugi::xml_node parent);
    // True for an element child; reports non-blank text (as stray_text does) and skips the rest.
    bool child_element(pugi::xml_node child, pugi::xml_node parent);
    // Reports every ${...} in `s` (found at `offset`) that is malformed or not in scope.
    void check_refs(std::string_view s, std::size_t offset, const Scope& scope);
    // The <arg> children of a command (<run>, <shell>, a diagnostics <command>); with
    // `skip_first_script`, <script> children are left to the caller. With `env`, <env name="N">
    // children after the <arg>s are read into it (<run> and <shell> steps).
    void parse_command_args(pugi::xml_node el, std::vector<std::string>& argv, const Scope& scope,
                            bool skip_first_script,
                            std::vector<std::pair<std::string, std::string>>* env = nullptr);

    PackDocument& doc_;
    // While set, read_attrs collects the attributes named "<prefix>..." into prefixed_attrs_
    // instead of reporting them as unknown (a step's label-LANG translations).
    std::string_view accept_prefix_;
    std::vector<pugi::xml_attribute> prefixed_attrs_;

private:
    void problem(PackProblem::Severity sev, std::size_t offset, std::string message);
};

}  // namespace fixtray::pack_reading
