#include "packs/pack_reader.h"

#include <algorithm>
#include <array>

#include "base/duration.h"

namespace fixtray::pack_reading {

std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    // Keep messages one line and short even for hostile values.
    for (char c : s.substr(0, 80)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
    if (s.size() > 80) out += "...";
    out += '"';
    return out;
}

// Appended piece by piece: g++ 12 -O2 warns about "<" + std::string(...) (-Wrestrict, a false
// positive, GCC bug 105329).
std::string tag(std::string_view name) {
    std::string out = "<";
    out += name.substr(0, 80);
    out += '>';
    return out;
}

bool is_xml_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), is_xml_space);
}

std::string_view trim(std::string_view s) {
    std::size_t first = 0, last = s.size();
    while (first < last && is_xml_space(s[first])) ++first;
    while (last > first && is_xml_space(s[last - 1])) --last;
    return s.substr(first, last - first);
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_builtin(std::string_view name) {
    static constexpr std::array<std::string_view, 10> kBuiltins = {
        "home", "cache", "config", "data", "state", "trash", "temp", "user", "host", "packdir"};
    return std::find(kBuiltins.begin(), kBuiltins.end(), name) != kBuiltins.end();
}

bool is_absolute_path(std::string_view p) {
    if (!p.empty() && (p.front() == '/' || p.front() == '\\')) return true;
    return p.size() >= 3 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
           p[1] == ':' && (p[2] == '\\' || p[2] == '/');
}

bool is_variable_or_absolute(std::string_view p) {
    return p.starts_with("${") || is_absolute_path(p);
}

const Param* Scope::param(std::string_view name) const {
    for (const auto& p : *params)
        if (p.name == name) return &p;
    return nullptr;
}

bool Scope::captured(std::string_view name) const {
    return captures && std::find(captures->begin(), captures->end(), name) != captures->end();
}

// --- problems and locations ---

void PackReader::problem(PackProblem::Severity sev, std::size_t offset, std::string message) {
    if (sev == PackProblem::Severity::error) ++doc_.errors;
    if (doc_.problems.size() >= PackDocument::kMaxProblems) return;
    PackProblem p;
    p.severity = sev;
    p.where.file = doc_.file;
    if (offset != npos) doc_.lines.locate(offset, p.where.line, p.where.column);
    p.message = std::move(message);
    if (doc_.problems.size() + 1 == PackDocument::kMaxProblems) {
        // Not an error by itself: a pack with only warnings still loads. Errors past this
        // point are counted, and load_pack says how many were not listed.
        p.severity = PackProblem::Severity::warning;
        p.message = "too many problems; the rest are not listed";
    }
    doc_.problems.push_back(std::move(p));
}

void PackReader::error(std::size_t offset, std::string message) {
    problem(PackProblem::Severity::error, offset, std::move(message));
}

void PackReader::warning(std::size_t offset, std::string message) {
    problem(PackProblem::Severity::warning, offset, std::move(message));
}

SourcePos PackReader::pos(std::size_t offset) const {
    SourcePos p;
    if (offset != npos) doc_.lines.locate(offset, p.line, p.column);
    return p;
}

std::size_t PackReader::offset_of(const char* p) const {
    const std::string& buffer = doc_.parse_buffer;
    if (p >= buffer.data() && p < buffer.data() + buffer.size())
        return static_cast<std::size_t>(p - buffer.data());
    return npos;
}

std::size_t PackReader::off(pugi::xml_node n) const {
    const std::size_t name = offset_of(n.name());
    if (name != npos && name > 0) return name - 1;
    const std::ptrdiff_t dbg = n.offset_debug();
    return dbg >= 0 ? static_cast<std::size_t>(dbg) : npos;
}

std::size_t PackReader::off(pugi::xml_node n, const char* name) const {
    const std::size_t o = offset_of(name);
    return o != npos && o > 0 ? o - 1 : off(n);
}

// --- element helpers ---

void PackReader::read_attrs(pugi::xml_node el, std::span<const std::string_view> names,
                            std::uint32_t allowed, Attr* slots, std::uint32_t& present) {
    if (names.size() < 32) allowed &= bit(static_cast<unsigned>(names.size())) - 1;
    for (pugi::xml_attribute a = el.first_attribute(); a; a = a.next_attribute()) {
        const char* name = a.name();
        std::size_t i = 0;
        while (i < names.size() &&
               !((allowed & bit(static_cast<unsigned>(i))) && is_name(name, names[i])))
            ++i;
        if (i == names.size()) {
            if (!accept_prefix_.empty() && std::string_view(name).starts_with(accept_prefix_))
                prefixed_attrs_.push_back(a);
            else
                error(off(a), "unknown attribute " + quoted(name) + " on " + tag(el.name()));
        } else if ((present >> i) & 1u) {
            error(off(a), "attribute " + quoted(name) + " is given twice");
        } else {
            slots[i] = Attr{name, a.value()};
            present |= bit(static_cast<unsigned>(i));
        }
    }
}

void PackReader::no_attrs(pugi::xml_node el) {
    for (pugi::xml_attribute a = el.first_attribute(); a; a = a.next_attribute())
        error(off(a), "unknown attribute " + quoted(a.name()) + " on " + tag(el.name()));
}

bool PackReader::require(pugi::xml_node el, Attr a, std::string_view name) {
    if (a) return true;
    error(off(el), tag(el.name()) + " needs the attribute " + quoted(name));
    return false;
}

std::optional<bool> PackReader::boolean(Attr a) {
    const std::string_view v = a.value();
    if (v == "true") return true;
    if (v == "false") return false;
    error(off(a), quoted(a.name()) + " must be \"true\" or \"false\", not " + quoted(v));
    return std::nullopt;
}

std::optional<long long> PackReader::duration(Attr a) {
    const auto ms = parse_duration_ms(a.value());
    if (!ms) {
        error(off(a), "bad duration " + quoted(a.value()) + " for " + quoted(a.name()) +
                          ": write e.g. 500ms, 30s, 5m, 2h or 7d");
    }
    return ms;
}

std::string_view PackReader::text_of(pugi::xml_node el, std::size_t& offset) {
    pugi::xml_node c = el.first_child();
    // The common case, a single text node: a view into the parse buffer, no copy.
    if (c && !c.next_sibling()) {
        const auto type = c.type();
        if (type == pugi::node_pcdata || type == pugi::node_cdata) {
            const char* v = c.value();
            const std::size_t o = offset_of(v);
            offset = o != npos ? o : off(el);
            return v;
        }
    }
    offset = off(el);
    std::string& text = doc_.text_buffer;
    text.clear();
    bool first = true;
    for (; c; c = c.next_sibling()) {
        const auto type = c.type();
        if (type == pugi::node_pcdata || type == pugi::node_cdata) {
            if (first && text_off(c) != npos) offset = text_off(c);
            first = false;
            text += c.value();
        } else if (type == pugi::node_element) {
            error(off(c), tag(el.name()) + " holds only text, not " + tag(c.name()));
        }
    }
    return text;
}

bool PackReader::stray_text(pugi::xml_node child, pugi::xml_node parent) {
    const auto type = child.type();
    if (type != pugi::node_pcdata && type != pugi::node_cdata) return false;
    if (!is_blank(child.value())) {
        std::size_t o = text_off(child);
        if (o != npos) {
            const std::string_view text = doc_.text;
            o = std::min(text.find_first_not_of(" \t\r\n", o), text.size());
        }
        error(o, "unexpected text in " + tag(parent.name()));
    }
    return true;
}

bool PackReader::child_element(pugi::xml_node child, pugi::xml_node parent) {
    const auto type = child.type();
    if (type == pugi::node_element) return true;
    if (type == pugi::node_pcdata || type == pugi::node_cdata) stray_text(child, parent);
    return false;
}

void PackReader::expect_empty(pugi::xml_node el) {
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (stray_text(c, el)) continue;
        if (c.type() == pugi::node_element)
            error(off(c), tag(el.name()) + " has no child elements; found " + tag(c.name()));
    }
}

void PackReader::check_refs(std::string_view s, std::size_t offset, const Scope& scope) {
    if (s.find('$') == npos) return;  // most values hold no reference
    std::vector<pack_syntax::VarRef>& refs = doc_.refs_buffer;
    refs.clear();
    std::size_t bad = 0;
    if (!pack_syntax::scan_refs(s, refs, bad)) {
        error(offset, "malformed variable reference " + quoted(s.substr(bad, 40)) +
                          ": write ${name} or ${item.field}, and $$ for a literal $");
    }
    for (const auto& r : refs) {
        // Only built when there is an error to report.
        const auto shown = [&r] {
            std::string out = "${";  // appended piece by piece: see tag()
            out += r.name;
            if (!r.field.empty()) {
                out += '.';
                out += r.field;
            }
            out += '}';
            return out;
        };
        if (!scope.foreach_var.empty() && r.name == scope.foreach_var) {
            if (scope.foreach_unknown) continue;
            const Param* list = scope.foreach_param;
            const bool records = list && !list->fields.empty();
            if (r.field.empty() && records) {
                error(offset, shown() + " is a record; use one of its fields, e.g. ${" +
                                  std::string(r.name) + "." + list->fields.front() + "}");
            } else if (!r.field.empty() && !records) {
                error(offset, shown() + ": the items of " + quoted(r.name) + " have no fields");
            } else if (!r.field.empty() && std::find(list->fields.begin(), list->fields.end(),
                                                     r.field) == list->fields.end()) {
                error(offset, shown() + ": list param " + quoted(list->name) + " has no field " +
                                  quoted(r.field));
            }
        } else if (is_builtin(r.name)) {
            if (!r.field.empty()) error(offset, shown() + ": built-in variables have no fields");
        } else if (const Param* p = scope.param(r.name)) {
            if (p->is_list)
                error(offset,
                      shown() + " is a list; use it with foreach=\"item in " + p->name + "\"");
            else if (!r.field.empty())
                error(offset, shown() + ": param " + quoted(p->name) + " has no fields");
        } else if (scope.captured(r.name)) {
            error(offset, shown() + " is a captured list; use it with foreach=\"item in " +
                              std::string(r.name) + "\"");
        } else {
            error(offset, "unknown variable " + shown() + ": declare it with <param name=\"" +
                              std::string(r.name) + "\"/>");
        }
    }
}

namespace {

// Variables a step may not set through <env>: they change how the program (or the dynamic
// linker, or an interpreter) itself runs, or what fixtray marks its processes with.
bool reserved_env_name(std::string_view name) {
    static constexpr std::array<std::string_view, 17> exact = {
        "PATH",     "HOME",     "IFS",        "ENV",          "BASH_ENV",     "SHELLOPTS",
        "BASHOPTS", "PS4",      "GCONV_PATH", "LOCPATH",      "NLSPATH",      "PYTHONPATH",
        "PERL5LIB", "PERL5OPT", "RUBYOPT",    "NODE_OPTIONS", "PYTHONSTARTUP"};
    for (std::string_view prefix : {"LD_", "DYLD_", "FIXTRAY_", "BASH_FUNC_"})
        if (name.starts_with(prefix)) return true;
    return std::find(exact.begin(), exact.end(), name) != exact.end();
}

}  // namespace

void PackReader::parse_command_args(pugi::xml_node el, std::vector<std::string>& argv,
                                    const Scope& scope, bool skip_first_script,
                                    std::vector<std::pair<std::string, std::string>>* env) {
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        if (skip_first_script && is_name(name, "script")) continue;  // handled by the caller
        if (env && is_name(name, "env")) {
            const pugi::xml_attribute n = c.attribute("name");
            for (pugi::xml_attribute a = c.first_attribute(); a; a = a.next_attribute())
                if (std::string_view(a.name()) != "name")
                    error(off(a), "unknown attribute " + quoted(a.name()) + " on <env>");
            std::size_t text_offset = 0;
            const std::string_view value = text_of(c, text_offset);
            check_refs(value, text_offset, scope);
            if (!n) {
                error(off(c), "<env> needs a name");
            } else if (!pack_syntax::is_identifier(n.value())) {
                error(off(n), "bad environment variable name " + quoted(n.value()) +
                                  ": use letters, digits and _ (not starting with a digit)");
            } else if (reserved_env_name(n.value())) {
                error(off(n), "<env> may not set " + std::string(n.value()) +
                                  ": it changes how programs run, not what they are given");
            } else {
                bool twice = false;
                for (const auto& [k, v] : *env) twice = twice || k == n.value();
                if (twice)
                    error(off(n), "<env> sets " + std::string(n.value()) + " twice");
                else
                    env->emplace_back(n.value(), value);
            }
            continue;
        }
        if (!is_name(name, "arg")) {
            error(off(c), "unknown element " + tag(name) + " in " + tag(el.name()) +
                              (skip_first_script
                                   ? (env ? ": expected <script>, <arg> and <env>"
                                          : ": expected <script> and <arg>")
                                   : (env ? ": expected <arg> and <env>" : ": expected <arg>")));
            continue;
        }
        if (env && !env->empty()) error(off(c), "the <arg>s must come before the <env>s");
        no_attrs(c);
        std::size_t text_offset = 0;
        const std::string_view value = text_of(c, text_offset);
        check_refs(value, text_offset, scope);
        argv.emplace_back(value);
    }
}

}  // namespace fixtray::pack_reading
