// Loading and validating fix packs (format v1, see fixes/README.md): the entry
// points and the walk over a document down to its fixes. The steps of a fix are
// read by step_parser.cpp; the helpers both use (problems at file:line:column,
// attributes, ${...} references) are in pack_reader.h.
#include "packs/pack_loader.h"

#include <algorithm>
#include <array>
#include <limits>
#include <tuple>

#include <pugixml.hpp>

#include "base/digest.h"
#include "packs/pack_reader.h"
#include "packs/pack_syntax.h"
#include "packs/step_parser.h"
#include "packs/utf8_check.h"
#include "platform/read_file.h"

namespace fixtray {

std::string PackProblem::str() const {
    std::string out = where.str();
    if (!out.empty()) out += ": ";
    out += severity == Severity::error ? "error: " : "warning: ";
    out += message;
    return out;
}

namespace {

using namespace pack_reading;

constexpr std::string_view kNamespace = "urn:fixtray:fixpack:1";
constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";
constexpr std::array<std::string_view, 7> kCategories = {
    "network", "printing", "performance", "storage", "accounts", "software", "other"};

// The fix children in the order the format requires.
enum FixPart : int {
    p_title,
    p_description,
    p_keywords,
    p_when,
    p_confirm,
    p_check,
    p_steps,
    p_verify,
    p_revert,
    p_diagnostics,
    kFixPartCount
};
constexpr std::array<std::string_view, kFixPartCount> kFixPartNames = {
    "title", "description", "keywords", "when",   "confirm",
    "check", "steps",       "verify",   "revert", "diagnostics"};

int fix_part_of(const char* element) {
    for (int i = 0; i < kFixPartCount; ++i)
        if (is_name(element, kFixPartNames[static_cast<std::size_t>(i)])) return i;
    return -1;
}

// A fix id seen so far in a pack, for the check that ids are unique per
// platform.
struct FixIdUse {
    std::string_view id;
    unsigned platforms;
    std::size_t offset;
};

// Reads one document down to its fixes and hands their phases to the step
// parser.
class PackWalker : PackReader {
public:
    PackWalker(PackDocument& doc, const PackLoadLimits& limits)
        : PackReader(doc), limits_(limits) {}

    // Checks the bytes, parses the document and reads the pack. The pack is
    // complete when no error was reported to the document.
    FixPack walk(std::string dir);

private:
    void check_top_level(pugi::xml_document& xml, pugi::xml_node& root);
    void check_depth(pugi::xml_node root);
    void parse_pack(pugi::xml_node root);
    void parse_param(pugi::xml_node el);
    void parse_fix(pugi::xml_node el);
    // platforms="..." of a fix; returns them as a bit set.
    unsigned parse_platforms(Attr a, Fix& fix);
    void parse_text(pugi::xml_node el, LocalizedText& text);
    void parse_keywords(pugi::xml_node el, Fix& fix);
    void parse_when(pugi::xml_node el, Fix& fix, const Scope& scope);
    void parse_diagnostics(pugi::xml_node el, Fix& fix, const Scope& scope);

    // The deepest valid structure: fixpack/fix/steps/run/arg.
    static constexpr int kDeepestValidNesting = 5;

    const PackLoadLimits& limits_;
    FixPack pack_;
    bool seen_fix_ = false;
    bool too_many_fixes_ = false;
    std::vector<FixIdUse> fix_ids_;
};

FixPack PackWalker::walk(std::string dir) {
    const char* what = nullptr;
    if (const std::size_t bad = find_bad_byte(doc_.text, what); bad != npos) {
        error(bad, what);
        return {};
    }
    doc_.parse_buffer.assign(doc_.text);
    pugi::xml_document xml;
    constexpr unsigned flags = pugi::parse_default | pugi::parse_doctype | pugi::parse_fragment |
                               pugi::parse_declaration | pugi::parse_ws_pcdata_single;
    const pugi::xml_parse_result parsed = xml.load_buffer_inplace(
        doc_.parse_buffer.data(), doc_.parse_buffer.size(), flags, pugi::encoding_utf8);
    if (!parsed) {
        error(static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0)),
              std::string("malformed XML: ") + parsed.description());
        return {};
    }
    pugi::xml_node root;
    check_top_level(xml, root);
    if (!root) {
        error(0, "no root element: a fix pack is a <fixpack xmlns=\"" + std::string(kNamespace) +
                     "\"> element");
        return {};
    }
    pack_.file = doc_.file;
    pack_.dir = std::move(dir);
    parse_pack(root);
    // The walk above never descends into an element it does not know, and the
    // deepest valid structure is kDeepestValidNesting levels. So a document
    // nested deeper than the limit has already produced an error; only then (or
    // with a limit below that) is the whole tree walked to name the first element
    // that is too deep.
    if (doc_.errors > 0 || limits_.max_depth < kDeepestValidNesting) check_depth(root);
    return std::move(pack_);
}

void PackWalker::check_top_level(pugi::xml_document& xml, pugi::xml_node& root) {
    bool first = true;
    for (pugi::xml_node c = xml.first_child(); c; c = c.next_sibling()) {
        switch (c.type()) {
            case pugi::node_doctype: {
                std::size_t o = text_off(c);
                if (o != npos) {
                    const std::size_t lt = doc_.text.rfind("<!", o);
                    o = lt != npos ? lt : o;
                }
                error(o, "DOCTYPE is not allowed in fix packs");
                break;
            }
            case pugi::node_declaration:
                if (!first) error(off(c), "the XML declaration must come first in the file");
                break;
            case pugi::node_pcdata:
            case pugi::node_cdata:
                if (!is_blank(c.value())) {
                    // Point at the first visible character, found in the original text.
                    std::size_t o = text_off(c);
                    if (o != npos)
                        o = std::min(doc_.text.find_first_not_of(" \t\r\n", o), doc_.text.size());
                    error(o, "text outside the root element");
                }
                break;
            case pugi::node_element:
                if (!root)
                    root = c;
                else
                    error(off(c), "a second root element " + tag(c.name()) +
                                      ": a fix pack has exactly one <fixpack>");
                break;
            default:
                break;
        }
        first = false;
    }
}

// Iterative, so hostile nesting cannot exhaust the stack.
void PackWalker::check_depth(pugi::xml_node root) {
    int depth = 1;
    pugi::xml_node n = root.first_child();
    if (!n) return;
    ++depth;
    while (n && n != root) {
        if (n.type() == pugi::node_element && depth > limits_.max_depth) {
            error(off(n),
                  "elements nested deeper than " + std::to_string(limits_.max_depth) + " levels");
            return;
        }
        if (pugi::xml_node child = n.first_child()) {
            n = child;
            ++depth;
            continue;
        }
        while (n != root && !n.next_sibling()) {
            n = n.parent();
            --depth;
        }
        if (n == root) break;
        n = n.next_sibling();
    }
}

void PackWalker::parse_pack(pugi::xml_node root) {
    if (!is_name(root.name(), "fixpack")) {
        error(off(root), "the root element must be <fixpack>, not " + tag(root.name()));
        return;
    }
    enum { k_xmlns, k_id, k_version, k_xsi, k_schema, k_count };
    static constexpr std::array<std::string_view, k_count> names = {
        "xmlns", "id", "version", "xmlns:xsi", "xsi:schemaLocation"};
    AttrTable<k_count> at;
    read_attrs(root, names, ~0u, at);

    if (!at[k_xmlns]) {
        error(off(root), "<fixpack> needs xmlns=\"" + std::string(kNamespace) + "\"");
    } else if (at[k_xmlns].value() != kNamespace) {
        error(off(at[k_xmlns]), "wrong namespace " + quoted(at[k_xmlns].value()) + ": expected \"" +
                                    std::string(kNamespace) + "\"");
    }
    if (at[k_xsi] && at[k_xsi].value() != kXsiNamespace)
        error(off(at[k_xsi]), "xmlns:xsi must be \"" + std::string(kXsiNamespace) + "\"");
    if (at[k_schema] && !at[k_xsi]) error(off(at[k_schema]), "xsi:schemaLocation needs xmlns:xsi");
    if (require(root, at[k_id], "id")) {
        if (!pack_syntax::is_pack_id(at[k_id].value()))
            error(off(at[k_id]),
                  "bad pack id " + quoted(at[k_id].value()) +
                      ": use lower-case reverse-DNS such as com.example.helpdesk.vpn");
        pack_.id = at[k_id].value();
    }
    if (require(root, at[k_version], "version")) {
        const auto v =
            pack_syntax::parse_uint(at[k_version].value(), std::numeric_limits<int>::max());
        if (!v || *v < 1)
            error(off(at[k_version]),
                  "version must be a whole number >= 1, not " + quoted(at[k_version].value()));
        else
            pack_.version = static_cast<int>(*v);
    }

    for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
        if (!child_element(c, root)) continue;
        const char* name = c.name();
        if (is_name(name, "param")) {
            if (seen_fix_) error(off(c), "<param> must come before the first <fix>");
            parse_param(c);
        } else if (is_name(name, "fix")) {
            seen_fix_ = true;
            if (pack_.fixes.size() >= limits_.max_fixes) {
                if (!too_many_fixes_)
                    error(off(c),
                          "too many fixes: the limit is " + std::to_string(limits_.max_fixes));
                too_many_fixes_ = true;
                continue;
            }
            parse_fix(c);
        } else {
            error(off(c), "unknown element " + tag(name) + " in <fixpack>");
        }
    }
    if (!seen_fix_) error(off(root), "a fix pack needs at least one <fix>");
}

void PackWalker::parse_param(pugi::xml_node el) {
    enum { k_name, k_list, k_fields, k_default, k_secret, k_count };
    static constexpr std::array<std::string_view, k_count> names = {"name", "list", "fields",
                                                                    "default", "secret"};
    AttrTable<k_count> at;
    read_attrs(el, names, ~0u, at);
    expect_empty(el);
    Param p;
    p.where = pos(off(el));
    if (!require(el, at[k_name], "name")) return;
    p.name = at[k_name].value();
    if (!pack_syntax::is_identifier(p.name)) {
        error(off(at[k_name]), "bad param name " + quoted(p.name) +
                                   ": use letters, digits and _ (not starting with a digit)");
    } else if (is_builtin(p.name)) {
        error(off(at[k_name]),
              "param " + quoted(p.name) + " would hide the built-in ${" + p.name + "}");
    } else {
        for (const Param& other : pack_.params)
            if (other.name == p.name) {
                error(off(at[k_name]), "param " + quoted(p.name) + " is declared twice");
                return;
            }
    }
    if (at[k_list]) p.is_list = boolean(at[k_list]).value_or(false);
    if (at[k_fields]) {
        if (!p.is_list) error(off(at[k_fields]), "fields is only allowed with list=\"true\"");
        for (std::string_view f : pack_syntax::split_ws(at[k_fields].value())) {
            if (!pack_syntax::is_identifier(f))
                error(off(at[k_fields]), "bad field name " + quoted(f));
            else if (std::find(p.fields.begin(), p.fields.end(), f) != p.fields.end())
                error(off(at[k_fields]), "field " + quoted(f) + " is listed twice");
            else
                p.fields.emplace_back(f);
        }
        if (p.fields.empty()) error(off(at[k_fields]), "fields is empty");
    }
    if (at[k_secret]) {
        p.secret = boolean(at[k_secret]).value_or(false);
        if (p.secret && p.is_list)
            error(off(at[k_secret]), "secret is for a single value, not a list");
    }
    if (at[k_default]) {
        p.default_value = at[k_default].value();
        if (p.secret && !p.default_value->empty())
            error(off(at[k_default]),
                  "a secret param has no default in the pack: its value comes from the site "
                  "config");
        if (p.is_list && !p.default_value->empty())
            error(off(at[k_default]),
                  "a list param's default can only be empty (default=\"\": no items, so a "
                  "foreach over it runs zero times); its items come from the site config");
    }
    pack_.params.push_back(std::move(p));
}

void PackWalker::parse_fix(pugi::xml_node el) {
    enum { k_id, k_category, k_platforms, k_count };
    static constexpr std::array<std::string_view, k_count> names = {"id", "category", "platforms"};
    AttrTable<k_count> at;
    read_attrs(el, names, ~0u, at);

    // Built in place: a Fix is large and is moved nowhere afterwards.
    Fix& fix = pack_.fixes.emplace_back();
    const std::size_t el_off = off(el);
    fix.where = pos(el_off);
    bool id_ok = false;
    if (require(el, at[k_id], "id")) {
        fix.id = at[k_id].value();
        id_ok = pack_syntax::is_fix_id(fix.id);
        if (!id_ok)
            error(off(at[k_id]), "bad fix id " + quoted(fix.id) +
                                     ": use lower-case letters, digits and -, e.g. reset-network");
    }
    if (at[k_category]) {
        fix.category = at[k_category].value();
        if (std::find(kCategories.begin(), kCategories.end(), fix.category) == kCategories.end())
            error(off(at[k_category]), "unknown category " + quoted(fix.category) +
                                           ": use network, printing, performance, storage, "
                                           "accounts, software or other");
    }
    unsigned platform_mask = 0;
    if (require(el, at[k_platforms], "platforms"))
        platform_mask = parse_platforms(at[k_platforms], fix);
    if (id_ok) {
        for (const FixIdUse& use : fix_ids_) {
            if (use.id != fix.id || !(use.platforms & platform_mask)) continue;
            error(off(at[k_id]), "fix id " + quoted(fix.id) +
                                     " is already used on the same platform by the fix at line " +
                                     std::to_string(pos(use.offset).line));
            break;
        }
        fix_ids_.push_back({{at[k_id].value(), fix.id.size()}, platform_mask, el_off});
    }

    std::vector<std::string> captures;
    const Scope scope{&pack_.params, nullptr, {}, nullptr, false};
    int last_part = -1;
    std::array<bool, kFixPartCount> seen{};
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        const int part = fix_part_of(name);
        if (part < 0) {
            error(off(c), "unknown element " + tag(name) + " in <fix>");
            continue;
        }
        const bool repeatable = part == p_title || part == p_description || part == p_confirm;
        if (seen[part] && !repeatable) {
            error(off(c), "only one " + tag(name) + " is allowed in a <fix>");
            continue;
        }
        if (part < last_part)
            error(off(c), tag(name) + " must come before " + tag(kFixPartNames[last_part]));
        last_part = std::max(last_part, part);
        seen[part] = true;
        const auto phase = [&](std::vector<Step>& steps) {
            parse_phase(doc_, c, pack_.params, limits_.max_steps_per_phase, steps, captures);
        };
        switch (part) {
            case p_title:
                parse_text(c, fix.title);
                break;
            case p_description:
                parse_text(c, fix.description);
                break;
            case p_confirm:
                parse_text(c, fix.confirm);
                break;
            case p_keywords:
                parse_keywords(c, fix);
                break;
            case p_when:
                no_attrs(c);
                parse_when(c, fix, scope);
                break;
            case p_check:
                phase(fix.check);
                break;
            case p_steps:
                phase(fix.steps);
                break;
            case p_verify:
                phase(fix.verify);
                break;
            case p_revert:
                phase(fix.revert);
                break;
            case p_diagnostics:
                parse_diagnostics(c, fix, scope);
                break;
            default:
                break;
        }
    }
    if (!seen[p_title]) {
        error(off(el), "a fix needs a <title>");
    } else if (!fix.title.find("") && !fix.title.find("en")) {
        error(off(el),
              "a fix needs a <title> without xml:lang (or with "
              "xml:lang=\"en\"): it is "
              "the fallback");
    }
    if (!seen[p_steps]) error(off(el), "a fix needs at least one step in <steps>");
}

unsigned PackWalker::parse_platforms(Attr a, Fix& fix) {
    unsigned mask = 0;
    pack_syntax::Words words(a.value());
    bool any_word = false;
    for (std::string_view word; words.next(word);) {
        any_word = true;
        const auto p = platform_from_string(word);
        if (!p) {
            error(off(a), "unknown platform " + quoted(word) + ": use linux, windows or macos");
        } else if (mask & (1u << static_cast<unsigned>(*p))) {
            error(off(a), "platform " + quoted(word) + " is listed twice");
        } else {
            mask |= 1u << static_cast<unsigned>(*p);
            fix.platforms.push_back(*p);
        }
    }
    if (!any_word) error(off(a), "platforms is empty: list linux, windows and/or macos");
    return mask;
}

void PackWalker::parse_text(pugi::xml_node el, LocalizedText& text) {
    Attr lang{};
    for (pugi::xml_attribute a = el.first_attribute(); a; a = a.next_attribute()) {
        const char* name = a.name();
        if (is_name(name, "xml:lang") && !lang)
            lang = Attr{name, a.value()};
        else if (is_name(name, "xml:lang"))
            error(off(a), "attribute \"xml:lang\" is given twice");
        else
            error(off(a), "unknown attribute " + quoted(name) + " on " + tag(el.name()));
    }
    std::string key;
    if (lang) {
        const std::string_view v = lang.value();
        if (!pack_syntax::is_language_tag(v)) {
            error(off(lang), "bad xml:lang " + quoted(v) +
                                 ": use a language tag such as \"de\" or \"pt-BR\" (leave "
                                 "xml:lang out for the default text)");
            return;
        }
        key = v;
    }
    std::size_t text_offset = 0;
    const std::string_view body = trim(text_of(el, text_offset));
    if (body.empty()) {
        error(off(el), tag(el.name()) + " is empty");
        return;
    }
    for (const auto& [existing, _] : text.by_lang) {
        if (existing.size() == key.size() &&
            std::equal(existing.begin(), existing.end(), key.begin(),
                       [](char a, char b) { return ascii_lower(a) == ascii_lower(b); })) {
            error(off(el), key.empty()
                               ? "a second " + tag(el.name()) + " without xml:lang"
                               : "a second " + tag(el.name()) + " for language " + quoted(key));
            return;
        }
    }
    text.by_lang.emplace_back(std::move(key), body);
}

// Comma-separated; blank entries are dropped.
void PackWalker::parse_keywords(pugi::xml_node el, Fix& fix) {
    no_attrs(el);
    std::size_t text_offset = 0;
    const std::string_view words = text_of(el, text_offset);
    std::size_t start = 0;
    while (start <= words.size()) {
        std::size_t end = words.find(',', start);
        if (end == npos) end = words.size();
        const std::string_view w = trim(words.substr(start, end - start));
        if (!w.empty()) fix.keywords.emplace_back(w);
        start = end + 1;
    }
}

void PackWalker::parse_when(pugi::xml_node el, Fix& fix, const Scope& scope) {
    static constexpr std::array<std::string_view, 3> names = {"name", "path", "negate"};
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        Condition cond;
        unsigned value_attr;
        if (is_name(name, "program-exists"))
            cond.kind = Condition::Kind::program_exists, value_attr = 0;
        else if (is_name(name, "path-exists"))
            cond.kind = Condition::Kind::path_exists, value_attr = 1;
        else if (is_name(name, "env-set"))
            cond.kind = Condition::Kind::env_set, value_attr = 0;
        else {
            error(off(c), "unknown element " + tag(name) + " in <when>");
            continue;
        }
        AttrTable<3> at;
        read_attrs(c, names, bit(value_attr) | bit(2), at);
        expect_empty(c);
        cond.where = pos(off(c));
        if (at[2]) cond.negate = boolean(at[2]).value_or(false);
        if (!require(c, at[value_attr], names[value_attr])) continue;
        cond.value = at[value_attr].value();
        if (cond.value.empty()) error(off(at[value_attr]), quoted(names[value_attr]) + " is empty");
        check_refs(cond.value, off(at[value_attr]), scope);
        fix.conditions.push_back(std::move(cond));
    }
}

void PackWalker::parse_diagnostics(pugi::xml_node el, Fix& fix, const Scope& scope) {
    no_attrs(el);
    static constexpr std::array<std::string_view, 2> names = {"name", "path"};
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        DiagnosticItem item;
        item.where = pos(off(c));
        AttrTable<2> at;
        if (is_name(name, "command")) {
            item.kind = DiagnosticItem::Kind::command;
            read_attrs(c, names, bit(0), at);
            parse_command_args(c, item.argv, scope, false);
            if (item.argv.empty() || item.argv.front().empty())
                error(off(c), "<command> needs at least one <arg>: the program to run");
        } else if (is_name(name, "file")) {
            item.kind = DiagnosticItem::Kind::file;
            read_attrs(c, names, bit(0) | bit(1), at);
            expect_empty(c);
            if (require(c, at[1], "path")) {
                item.path = at[1].value();
                check_refs(item.path, off(at[1]), scope);
                if (!is_variable_or_absolute(item.path))
                    error(off(at[1]), "path must be absolute or start with a ${variable}");
            }
        } else if (is_name(name, "fact")) {
            item.kind = DiagnosticItem::Kind::fact;
            read_attrs(c, names, bit(0), at);
            expect_empty(c);
        } else {
            error(off(c), "unknown element " + tag(name) +
                              " in <diagnostics>: expected <command>, <file> or <fact>");
            continue;
        }
        if (!require(c, at[0], "name")) continue;
        item.name = at[0].value();
        if (item.name.empty()) error(off(at[0]), "\"name\" is empty");
        if (item.kind == DiagnosticItem::Kind::fact) item.fact = item.name;
        fix.diagnostics.push_back(std::move(item));
    }
}

// at_start: the problem is the file's content as a whole (empty, too large): reported at 1:1,
// so an editor jumps to the file like to any other problem.
PackLoadResult failure(const std::string& file, std::string message, bool at_start = false) {
    PackLoadResult result;
    result.problems.push_back({PackProblem::Severity::error,
                               at_start ? SourceLocation{file, 1, 1} : SourceLocation{file},
                               std::move(message)});
    return result;
}

// Never throws: bad input is a problem in the result.
PackLoadResult load_pack(std::string_view xml, const std::string& file, std::string dir,
                         const PackLoadLimits& limits) {
    if (xml.size() > limits.max_bytes)
        return failure(file, "the file is " + std::to_string(xml.size()) + " bytes; the limit is " +
                                 std::to_string(limits.max_bytes) + " bytes");
    if (xml.empty()) return failure(file, "the file is empty", true);
    try {
        PackDocument doc(xml, file);
        FixPack pack = PackWalker(doc, limits).walk(std::move(dir));
        PackLoadResult result;
        std::stable_sort(doc.problems.begin(), doc.problems.end(),
                         [](const PackProblem& a, const PackProblem& b) {
                             return std::tie(a.where.line, a.where.column) <
                                    std::tie(b.where.line, b.where.column);
                         });
        result.problems = std::move(doc.problems);
        const auto listed_errors = static_cast<std::size_t>(std::count_if(
            result.problems.begin(), result.problems.end(),
            [](const PackProblem& p) { return p.severity == PackProblem::Severity::error; }));
        if (doc.errors > listed_errors) {
            const std::size_t more = doc.errors - listed_errors;
            result.problems.push_back({PackProblem::Severity::error, SourceLocation{file},
                                       std::to_string(more) +
                                           (more == 1 ? " more error" : " more errors") +
                                           " not listed (too many problems)"});
        }
        if (doc.errors == 0) {
            if (limits.sha256) pack.sha256 = sha256_hex(xml);
            result.pack = std::move(pack);
        }
        return result;
    } catch (const std::bad_alloc&) {
        return failure(file, "out of memory loading the pack");
    } catch (const std::exception& e) {
        // Not expected: every bad input is a problem, not an exception. Kept as a
        // last line so the documented contract (never throws for bad input) holds.
        return failure(file, std::string("internal error loading the pack: ") + e.what());
    }
}

}  // namespace

PackLoadResult load_pack_from_string(std::string_view xml, const std::string& file,
                                     const std::string& dir, const PackLoadLimits& limits) {
    return load_pack(xml, file, dir, limits);
}

PackLoadResult load_pack_file(const std::string& path, const PackLoadLimits& limits) {
    ByteBuffer text;
    if (Status read = read_file_bounded(path, limits.max_bytes, text); !read)
        return failure(path, read.message());
    if (text.size() > limits.max_bytes)
        return failure(path, "the file is larger than the limit of " +
                                 std::to_string(limits.max_bytes) + " bytes");
    std::string dir;
    const auto slash = path.find_last_of('/');
    if (slash != std::string::npos)
        dir = path.substr(0, slash == 0 ? 1 : slash);
    else
        dir = ".";
    return load_pack({text.data(), text.size()}, path, std::move(dir), limits);
}

}  // namespace fixtray
