#include "packs/step_parser.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>
#include <string_view>

#include "base/duration.h"
#include "packs/pack_syntax.h"
#include "packs/pattern.h"

namespace fixtray::pack_reading {

namespace {

// Every attribute a step element may carry; StepKindInfo::attrs says which kinds accept it.
enum StepAttr : unsigned {
    a_label,
    a_timeout,
    a_ok_exit,
    a_continue_on_error,
    a_admin,
    a_foreach,
    a_except,
    a_if_program,
    a_skip_if_running,
    a_stdout_match,
    a_capture,
    a_interpreter,
    a_root,
    a_glob,
    a_older_than,
    a_path,
    a_expect,
    a_type,
    a_name,
    a_grace,
    a_url,
    a_expect_status,
    a_host,
    a_port,
    a_duration,
    a_detach,
    kStepAttrCount
};
constexpr std::array<std::string_view, kStepAttrCount> kStepAttrNames = {"label",
                                                                         "timeout",
                                                                         "ok-exit",
                                                                         "continue-on-error",
                                                                         "admin",
                                                                         "foreach",
                                                                         "except",
                                                                         "if-program",
                                                                         "skip-if-running",
                                                                         "stdout-match",
                                                                         "capture",
                                                                         "interpreter",
                                                                         "root",
                                                                         "glob",
                                                                         "older-than",
                                                                         "path",
                                                                         "expect",
                                                                         "type",
                                                                         "name",
                                                                         "grace",
                                                                         "url",
                                                                         "expect-status",
                                                                         "host",
                                                                         "port",
                                                                         "duration",
                                                                         "detach"};

using StepAttrs = AttrTable<kStepAttrCount>;

constexpr std::uint32_t kCommonAttrs = bit(a_label) | bit(a_timeout) | bit(a_continue_on_error) |
                                       bit(a_admin) | bit(a_foreach) | bit(a_except) |
                                       bit(a_if_program) | bit(a_skip_if_running);

struct StepKindInfo {
    std::string_view element;
    StepKind kind;
    std::uint32_t attrs;
};
constexpr std::array<StepKindInfo, 9> kStepKinds = {{
    {"run", StepKind::run,
     kCommonAttrs | bit(a_ok_exit) | bit(a_stdout_match) | bit(a_capture) | bit(a_detach)},
    {"shell", StepKind::shell,
     kCommonAttrs | bit(a_ok_exit) | bit(a_stdout_match) | bit(a_capture) | bit(a_interpreter) |
         bit(a_detach)},
    {"delete-files", StepKind::delete_files,
     kCommonAttrs | bit(a_root) | bit(a_glob) | bit(a_older_than)},
    {"end-process", StepKind::end_process, kCommonAttrs | bit(a_name) | bit(a_grace)},
    {"http-probe", StepKind::http_probe, kCommonAttrs | bit(a_url) | bit(a_expect_status)},
    {"dns-resolve", StepKind::dns_resolve, kCommonAttrs | bit(a_host)},
    {"tcp-connect", StepKind::tcp_connect, kCommonAttrs | bit(a_host) | bit(a_port)},
    {"exists", StepKind::exists,
     kCommonAttrs | bit(a_path) | bit(a_root) | bit(a_glob) | bit(a_expect) | bit(a_type)},
    {"wait", StepKind::wait, kCommonAttrs | bit(a_duration)},
}};

const StepKindInfo* step_kind_of(const char* element) {
    for (const StepKindInfo& k : kStepKinds)
        if (is_name(element, k.element)) return &k;
    return nullptr;
}

// Whether a glob has a ".." segment (segments are split at '/' and '\\').
bool has_dotdot(std::string_view glob) {
    std::size_t start = 0;
    while (start <= glob.size()) {
        std::size_t end = start;
        while (end < glob.size() && glob[end] != '/' && glob[end] != '\\') ++end;
        if (end - start == 2 && glob[start] == '.' && glob[start + 1] == '.') return true;
        start = end + 1;
    }
    return false;
}

class StepParser : PackReader {
public:
    StepParser(PackDocument& doc, const std::vector<Param>& params, std::size_t max_steps)
        : PackReader(doc), params_(params), max_steps_(max_steps) {}

    void parse_phase(pugi::xml_node el, std::vector<Step>& phase,
                     std::vector<std::string>& captures);

private:
    void parse_step(pugi::xml_node el, const char* el_name, const StepKindInfo& info, Step& step,
                    std::vector<std::string>& captures);
    void parse_foreach(Attr a, Step& step, Scope& scope);
    void parse_except(Attr a, Step& step, const Scope& scope);
    // The attributes every kind accepts, but foreach and except.
    void parse_common(pugi::xml_node el, const StepAttrs& at, Step& step, const Scope& scope);
    // A text attribute into `out`: false when absent (reported if `required`) or empty.
    bool text_attr(pugi::xml_node el, const StepAttrs& at, unsigned i, std::string& out,
                   bool required, const Scope& scope);

    // One function per kind or pair of kinds, after the common attributes.
    void parse_command(pugi::xml_node el, const StepAttrs& at, Step& step, const Scope& scope);
    void parse_shell(pugi::xml_node el, const StepAttrs& at, Step& step, const Scope& scope);
    void check_script(Step& step, std::size_t text_offset);
    void parse_files(pugi::xml_node el, const StepAttrs& at, Step& step, const Scope& scope);
    void parse_http_probe(pugi::xml_node el, const StepAttrs& at, Step& step, const Scope& scope);
    void parse_host(pugi::xml_node el, const StepAttrs& at, Step& step, const Scope& scope);

    const std::vector<Param>& params_;
    std::size_t max_steps_;
};

void StepParser::parse_phase(pugi::xml_node el, std::vector<Step>& phase,
                             std::vector<std::string>& captures) {
    no_attrs(el);
    bool too_many = false;
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (!child_element(c, el)) continue;
        const char* name = c.name();
        const StepKindInfo* info = step_kind_of(name);
        if (!info) {
            error(off(c), "unknown step " + tag(c.name()) +
                              ": use run, shell, delete-files, end-process, http-probe, "
                              "dns-resolve, tcp-connect, exists or wait");
            continue;
        }
        if (phase.size() >= max_steps_) {
            if (!too_many)
                error(off(c), "too many steps in " + tag(el.name()) + ": the limit is " +
                                  std::to_string(max_steps_));
            too_many = true;
            continue;
        }
        parse_step(c, name, *info, phase.emplace_back(), captures);
        if (!phase.back().capture.empty()) captures.push_back(phase.back().capture);
    }
    if (phase.empty()) {
        error(off(el), is_name(el.name(), "steps")
                           ? "a fix needs at least one step in <steps>"
                           : tag(el.name()) + " has no steps; add one or leave it out");
    }
}

void StepParser::parse_step(pugi::xml_node el, const char* el_name, const StepKindInfo& info,
                            Step& step, std::vector<std::string>& captures) {
    StepAttrs at;
    accept_prefix_ = "label-";
    prefixed_attrs_.clear();
    read_attrs(el, kStepAttrNames, info.attrs, at);
    accept_prefix_ = {};
    step.kind = info.kind;
    step.where = pos(off(el, el_name));
    Scope scope{&params_, &captures, {}, nullptr, false};

    if (at[a_foreach]) parse_foreach(at[a_foreach], step, scope);
    if (at[a_except]) {
        if (!at[a_foreach])
            error(off(at[a_except]), "except is only allowed with foreach");
        else
            parse_except(at[a_except], step, scope);
    }
    parse_common(el, at, step, scope);

    switch (info.kind) {
        case StepKind::run:
        case StepKind::shell:
            parse_command(el, at, step, scope);
            break;
        case StepKind::delete_files:
        case StepKind::exists:
            parse_files(el, at, step, scope);
            break;
        case StepKind::end_process:
            expect_empty(el);
            text_attr(el, at, a_name, step.process_name, true, scope);
            if (at[a_grace])
                if (const auto ms = duration(at[a_grace])) {
                    step.grace = std::chrono::milliseconds(*ms);
                    // The step keeps to its timeout, grace included: a longer grace would
                    // never be given.
                    if (step.grace > step.timeout)
                        error(off(at[a_grace]),
                              "grace (" + format_duration(step.grace) +
                                  ") is longer than the step's timeout (" +
                                  format_duration(step.timeout) +
                                  (at[a_timeout] ? "" : ", the default") +
                                  "): the step would time out first; make grace shorter or "
                                  "timeout longer");
                }
            break;
        case StepKind::http_probe:
            parse_http_probe(el, at, step, scope);
            break;
        case StepKind::dns_resolve:
        case StepKind::tcp_connect:
            parse_host(el, at, step, scope);
            break;
        case StepKind::wait:
            expect_empty(el);
            if (require(el, at[a_duration], "duration"))
                if (const auto ms = duration(at[a_duration]))
                    step.duration = std::chrono::milliseconds(*ms);
            break;
    }
}

void StepParser::parse_foreach(Attr a, Step& step, Scope& scope) {
    std::string_view parts[3];
    pack_syntax::Words words(a.value());
    std::size_t n = 0;
    for (std::string_view w; words.next(w); ++n)
        if (n < 3) parts[n] = w;
    if (n != 3 || parts[1] != "in" || !pack_syntax::is_identifier(parts[0]) ||
        !pack_syntax::is_identifier(parts[2])) {
        error(off(a), "bad foreach " + quoted(a.value()) + ": write foreach=\"item in list\"");
        return;
    }
    const std::string_view var = parts[0], list = parts[2];
    // From here on the variable is in scope even when the list is wrong, so its uses inside the
    // step do not produce a second, misleading error.
    step.foreach_var = var;
    scope.foreach_var = step.foreach_var;
    scope.foreach_unknown = true;
    if (is_builtin(var) || scope.param(var) || scope.captured(var)) {
        error(off(a), "foreach variable " + quoted(var) + " would hide a variable of that name");
        return;
    }
    const Param* p = scope.param(list);
    if (p && !p->is_list) {
        error(off(a), "foreach needs a list; param " + quoted(list) + " is not list=\"true\"");
        return;
    }
    if (!p && !scope.captured(list)) {
        error(off(a), "foreach over unknown list " + quoted(list) + ": declare <param name=\"" +
                          std::string(list) +
                          "\" list=\"true\"/> or capture it in an earlier step");
        return;
    }
    step.foreach_list = list;
    scope.foreach_param = p;
    scope.foreach_unknown = false;
}

void StepParser::parse_except(Attr a, Step& step, const Scope& scope) {
    const std::string_view v = a.value();
    const std::size_t dot = v.find('.');
    const std::string_view list = v.substr(0, dot);
    const std::string_view field = dot == npos ? std::string_view{} : v.substr(dot + 1);
    if (!pack_syntax::is_identifier(list) || (dot != npos && !pack_syntax::is_identifier(field))) {
        error(off(a), "bad except " + quoted(v) + ": write except=\"list\" or \"list.field\"");
        return;
    }
    const Param* p = scope.param(list);
    if (p && !p->is_list) {
        error(off(a), "except needs a list; param " + quoted(list) + " is not list=\"true\"");
        return;
    }
    if (!p && !scope.captured(list)) {
        error(off(a), "except names unknown list " + quoted(list));
        return;
    }
    const bool records = p && !p->fields.empty();
    if (records && field.empty()) {
        error(off(a), "except on list " + quoted(list) + " needs a field, e.g. \"" +
                          std::string(list) + "." + p->fields.front() + "\"");
        return;
    }
    if (!field.empty() &&
        (!records || std::find(p->fields.begin(), p->fields.end(), field) == p->fields.end())) {
        error(off(a), "list " + quoted(list) + " has no field " + quoted(field));
        return;
    }
    step.foreach_except = v;
}

void StepParser::parse_common(pugi::xml_node el, const StepAttrs& at, Step& step,
                              const Scope& scope) {
    // label-de="...": the label in another language, with the same variables.
    for (const pugi::xml_attribute a : prefixed_attrs_) {
        const std::string_view tag = std::string_view(a.name()).substr(6);  // after "label-"
        const bool ok_tag = tag.size() >= 2 && std::all_of(tag.begin(), tag.end(), [](char c) {
                                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                       (c >= '0' && c <= '9') || c == '-' || c == '_';
                            });
        if (!ok_tag) {
            error(off(a), "unknown attribute " + quoted(a.name()) +
                              ": a translated label is label-LANG with a language tag, e.g. "
                              "label-de or label-pt-BR");
            continue;
        }
        if (!at[a_label])
            error(off(a), quoted(a.name()) + " translates label, which this step does not have");
        step.label_translations.emplace_back(tag, a.value());
        check_refs(a.value(), off(a), scope);
    }
    if (at[a_label]) {
        step.label = at[a_label].value();
        check_refs(step.label, off(at[a_label]), scope);
    }
    if (at[a_timeout]) {
        if (const auto ms = duration(at[a_timeout])) {
            if (*ms == 0)
                error(off(at[a_timeout]), "timeout must be more than 0");
            else
                step.timeout = std::chrono::milliseconds(*ms);
        }
    }
    if (at[a_ok_exit]) {
        if (auto codes =
                pack_syntax::parse_int_list(at[a_ok_exit].value(), std::numeric_limits<int>::min(),
                                            std::numeric_limits<int>::max()))
            step.ok_exit_codes = std::move(*codes);
        else
            error(off(at[a_ok_exit]), "bad ok-exit " + quoted(at[a_ok_exit].value()) +
                                          ": write exit codes separated by spaces, e.g. \"0 1\"");
    }
    if (at[a_continue_on_error])
        step.continue_on_error = boolean(at[a_continue_on_error]).value_or(false);
    if (at[a_admin]) step.admin = boolean(at[a_admin]).value_or(false);
    if (at[a_detach]) step.detach = boolean(at[a_detach]).value_or(false);
    text_attr(el, at, a_if_program, step.if_program, false, scope);
    text_attr(el, at, a_skip_if_running, step.skip_if_running, false, scope);
}

bool StepParser::text_attr(pugi::xml_node el, const StepAttrs& at, unsigned i, std::string& out,
                           bool required, const Scope& scope) {
    if (!at[i]) {
        if (required) require(el, at[i], kStepAttrNames[i]);
        return false;
    }
    out = at[i].value();
    if (out.empty()) {
        error(off(at[i]), quoted(kStepAttrNames[i]) + " is empty");
        return false;
    }
    check_refs(out, off(at[i]), scope);
    return true;
}

// <run> and <shell>.
void StepParser::parse_command(pugi::xml_node el, const StepAttrs& at, Step& step,
                               const Scope& scope) {
    if (at[a_stdout_match]) {
        step.stdout_match = at[a_stdout_match].value();
        check_refs(step.stdout_match, off(at[a_stdout_match]), scope);
        if (Status pattern = stdout_match_problem(step.stdout_match); !pattern)
            error(off(at[a_stdout_match]), pattern.message());
    }
    if (at[a_capture]) {
        const std::string_view name = at[a_capture].value();
        if (!pack_syntax::is_identifier(name))
            error(off(at[a_capture]), "bad capture name " + quoted(name));
        else if (is_builtin(name) || scope.param(name) || name == step.foreach_var)
            error(off(at[a_capture]),
                  "capture " + quoted(name) + " would hide a variable of that name");
        else
            step.capture = name;
    }
    if (step.kind == StepKind::shell) {
        parse_shell(el, at, step, scope);
        return;
    }
    parse_command_args(el, step.argv, scope, false, &step.env);
    if (step.argv.empty())
        error(off(el), "<run> needs at least one <arg>: the program to run");
    else if (step.argv.front().empty())
        error(off(el), "the first <arg> of <run> (the program) is empty");
}

// What <shell> has beyond <run>: an interpreter and one <script> before the <arg>s.
void StepParser::parse_shell(pugi::xml_node el, const StepAttrs& at, Step& step,
                             const Scope& scope) {
    warning(off(el), "shell steps run a command interpreter; prefer <run>");
    if (require(el, at[a_interpreter], "interpreter")) {
        step.interpreter = at[a_interpreter].value();
        static constexpr std::array<std::string_view, 4> ok = {"sh", "bash", "powershell", "cmd"};
        if (std::find(ok.begin(), ok.end(), step.interpreter) == ok.end())
            error(off(at[a_interpreter]), "unknown interpreter " + quoted(step.interpreter) +
                                              ": use sh, bash, powershell or cmd");
    }
    pugi::xml_node script;
    bool arg_seen = false;
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) continue;
        const char* name = c.name();
        if (is_name(name, "arg")) arg_seen = true;
        if (!is_name(name, "script")) continue;
        if (script)
            error(off(c), "<shell> takes one <script>");
        else if (arg_seen)
            error(off(c), "<script> must come before the <arg>s");
        script = c;
        no_attrs(c);
    }
    if (!script) {
        error(off(el), "<shell> needs a <script>");
    } else {
        std::size_t text_offset = 0;
        step.script = text_of(script, text_offset);
        if (is_blank(step.script)) error(off(script), "<script> is empty");
        check_script(step, text_offset);
    }
    parse_command_args(el, step.argv, scope, true, &step.env);
}

// A script is code: no value is ever pasted into it. A ${name} in it is an error that shows the
// safe form (the value as an <arg>, read as a positional parameter); "$$" still means "$", as
// everywhere in a pack, and is turned into "$" here, so the engine runs the text as it is.
void StepParser::check_script(Step& step, std::size_t text_offset) {
    const std::string_view s = step.script;
    if (s.find('$') == npos) return;
    std::vector<pack_syntax::VarRef>& refs = doc_.refs_buffer;
    refs.clear();
    std::size_t bad = 0;
    if (!pack_syntax::scan_refs(s, refs, bad))
        error(text_offset, "malformed variable reference " + quoted(s.substr(bad, 40)) +
                               " in <script>: write $$ for a literal $ (a shell's own ${...} "
                               "is $${...})");
    if (!refs.empty()) {
        const auto& r = refs.front();
        std::string shown = "${" + std::string(r.name);
        if (!r.field.empty()) shown += "." + std::string(r.field);
        shown += "}";
        const std::string arg_ref = step.interpreter == "powershell" ? "$args[0]"
                                    : step.interpreter == "cmd"      ? "!FIXTRAY_ARG_0!"
                                                                     : "\"$1\"";
        error(text_offset, shown +
                               " in a <script> would paste a value into code, so fixtray "
                               "never replaces it there: pass it as <arg>" +
                               shown + "</arg> after the script and read it as " + arg_ref +
                               " (a shell's own ${...} is written $${...})");
    }
    std::string literal;
    literal.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        literal += s[i];
        if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '$') ++i;
    }
    step.script = std::move(literal);
}

// <delete-files> (root, glob, older-than) and <exists> (path, or root and glob; expect, type).
void StepParser::parse_files(pugi::xml_node el, const StepAttrs& at, Step& step,
                             const Scope& scope) {
    expect_empty(el);
    const bool is_exists = step.kind == StepKind::exists;
    if (is_exists && at[a_path]) {
        if (at[a_root] || at[a_glob])
            error(off(at[a_path]), "<exists> takes either path or root and glob, not both");
        if (text_attr(el, at, a_path, step.path, false, scope) &&
            !is_variable_or_absolute(step.path))
            error(off(at[a_path]), "path must be absolute or start with a ${variable}");
    } else if (is_exists && !at[a_root] && !at[a_glob]) {
        error(off(el), "<exists> needs either path or root and glob");
    } else {
        if (text_attr(el, at, a_root, step.root, true, scope) &&
            !is_variable_or_absolute(step.root))
            error(off(at[a_root]), "root must be absolute or start with a ${variable}");
        if (text_attr(el, at, a_glob, step.glob, true, scope)) {
            if (is_absolute_path(step.glob))
                error(off(at[a_glob]), "glob must be relative to root");
            else if (has_dotdot(step.glob))
                error(off(at[a_glob]), "glob must not contain \"..\"");
        }
    }
    if (!is_exists && at[a_older_than]) {
        if (const auto ms = duration(at[a_older_than])) {
            if (*ms % 1000 != 0)
                error(off(at[a_older_than]), "older-than is counted in whole seconds");
            else
                step.older_than = std::chrono::seconds(*ms / 1000);
        }
    }
    if (at[a_expect]) {
        const std::string_view v = at[a_expect].value();
        if (v == "present" || v == "absent")
            step.expect_present = v == "present";
        else
            error(off(at[a_expect]), "expect must be \"present\" or \"absent\"");
    }
    if (at[a_type]) {
        step.type = at[a_type].value();
        if (step.type != "file" && step.type != "dir")
            error(off(at[a_type]), "type must be \"file\" or \"dir\"");
    }
}

void StepParser::parse_http_probe(pugi::xml_node el, const StepAttrs& at, Step& step,
                                  const Scope& scope) {
    expect_empty(el);
    if (text_attr(el, at, a_url, step.url, true, scope)) {
        const std::string& u = step.url;
        const auto starts = [&](std::string_view prefix) {
            return u.size() >= prefix.size() &&
                   std::equal(prefix.begin(), prefix.end(), u.begin(),
                              [](char a, char b) { return a == ascii_lower(b); });
        };
        if (!starts("http://") && !starts("https://") && !u.starts_with("${"))
            error(off(at[a_url]), "url must start with http:// or https:// (or a ${variable})");
    }
    if (at[a_expect_status]) {
        if (auto codes = pack_syntax::parse_int_list(at[a_expect_status].value(), 100, 599))
            step.expect_status_codes = std::move(*codes);
        else
            error(off(at[a_expect_status]),
                  "bad expect-status " + quoted(at[a_expect_status].value()) +
                      ": write HTTP status codes (100-599) separated by spaces");
    }
}

// <dns-resolve> (host) and <tcp-connect> (host and port).
void StepParser::parse_host(pugi::xml_node el, const StepAttrs& at, Step& step,
                            const Scope& scope) {
    expect_empty(el);
    text_attr(el, at, a_host, step.host, true, scope);
    if (step.kind == StepKind::tcp_connect && require(el, at[a_port], "port")) {
        const auto port = pack_syntax::parse_uint(at[a_port].value(), 65535);
        if (!port || *port < 1)
            error(off(at[a_port]),
                  "port must be a number from 1 to 65535, not " + quoted(at[a_port].value()));
        else
            step.port = static_cast<int>(*port);
    }
}

}  // namespace

void parse_phase(PackDocument& doc, pugi::xml_node el, const std::vector<Param>& params,
                 std::size_t max_steps, std::vector<Step>& phase,
                 std::vector<std::string>& captures) {
    StepParser(doc, params, max_steps).parse_phase(el, phase, captures);
}

}  // namespace fixtray::pack_reading
