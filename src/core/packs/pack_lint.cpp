#include "packs/pack_lint.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>
#include <tuple>

#include "packs/catalog.h"

namespace fixtray {

const char* to_string(LintFinding::Severity s) {
    switch (s) {
        case LintFinding::Severity::error:
            return "error";
        case LintFinding::Severity::warning:
            return "warning";
        case LintFinding::Severity::note:
            return "note";
    }
    return "error";
}

std::string LintFinding::str() const {
    std::string out = where.str();
    if (!out.empty()) out += ": ";
    out += to_string(severity);
    out += ": ";
    out += message;
    if (severity != Severity::error && !code.empty()) out += " [" + code + "]";
    return out;
}

namespace {

constexpr const char* kShellStep = "shell-step";

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string lint_quoted(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

// A path written in a pack, split into its leading ${variable} (if any) and the rest.
struct RootPath {
    std::string variable;  // "home" for "${home}/x"; empty when the path does not start with one
    std::string rest;      // "/x"
};

RootPath split_root(std::string_view root) {
    RootPath r;
    if (root.starts_with("${")) {
        const auto close = root.find('}');
        if (close != std::string_view::npos) {
            r.variable = root.substr(2, close - 2);
            r.rest = root.substr(close + 1);
            return r;
        }
    }
    r.rest = root;
    return r;
}

bool is_separator(char c) {
    return c == '/' || c == '\\';
}

// Path segments, split at '/' and '\', empty ones dropped.
std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= path.size(); ++i) {
        if (i == path.size() || is_separator(path[i])) {
            if (i > start) out.push_back(path.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

bool climbs_up(std::string_view path) {
    for (std::string_view seg : segments(path))
        if (seg == "..") return true;
    return false;
}

// The user's own directories: what a delete may touch without a second look.
bool is_user_dir_variable(std::string_view v) {
    return v == "home" || v == "cache" || v == "config" || v == "data" || v == "state" ||
           v == "trash" || v == "temp";
}

// Deleting here is throwaway: programs rebuild caches, temporary files are temporary.
bool is_throwaway_variable(std::string_view v) {
    return v == "cache" || v == "temp" || v == "trash";
}

bool inside_user_dirs(const RootPath& r) {
    return is_user_dir_variable(r.variable) && (r.rest.empty() || is_separator(r.rest.front())) &&
           !climbs_up(r.rest);
}

// The root is the user variable itself ("${home}", "${home}/"), not a directory below it.
bool is_whole_variable(const RootPath& r) {
    return !r.variable.empty() && segments(r.rest).empty();
}

// A glob that selects every file: only "*" and "**" segments, and at least one "**".
bool matches_everything(std::string_view glob) {
    bool any_deep = false;
    const auto segs = segments(glob);
    for (std::string_view seg : segs) {
        if (seg == "**")
            any_deep = true;
        else if (seg != "*")
            return false;
    }
    return any_deep;
}

bool is_absolute_program(std::string_view p) {
    if (p.starts_with("/") || p.starts_with("\\\\")) return true;         // POSIX, UNC
    if (p.size() >= 3 && p[1] == ':' && is_separator(p[2])) return true;  // C:\...
    if (p.starts_with("${")) return true;  // ${packdir}/x and the like: absolute once expanded
    return false;
}

bool is_plain_name(std::string_view p) {
    return p.find_first_of("/\\") == std::string_view::npos;
}

// Lower-case language tags of translations ("" and "en" are the default text, not translations).
std::set<std::string> translations(const LocalizedText& text) {
    std::set<std::string> out;
    for (const auto& [lang, _] : text.by_lang) {
        std::string l = lower(lang);
        if (!l.empty() && l != "en") out.insert(std::move(l));
    }
    return out;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
    return out;
}

class Linter {
public:
    explicit Linter(const FixPack& pack) : pack_(pack) {}

    std::vector<LintFinding> run() {
        std::set<std::string> languages;
        for (const Fix& fix : pack_.fixes)
            for (const LocalizedText* t : {&fix.title, &fix.description, &fix.confirm})
                for (auto& l : translations(*t)) languages.insert(l);

        for (const Fix& fix : pack_.fixes) lint_fix(fix, languages);
        std::stable_sort(out_.begin(), out_.end(), [](const LintFinding& a, const LintFinding& b) {
            return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
        });
        return std::move(out_);
    }

private:
    void add(LintFinding::Severity sev, SourcePos pos, const char* code, std::string message) {
        LintFinding f;
        f.severity = sev;
        f.where = pack_.location(pos);
        f.code = code;
        f.message = std::move(message);
        out_.push_back(std::move(f));
    }
    void warn(SourcePos pos, const char* code, std::string message) {
        add(LintFinding::Severity::warning, pos, code, std::move(message));
    }

    // A secret param's value as a program argument: every user of the machine sees it in `ps`
    // while the step runs. <env> passes it unseen.
    void lint_secret_args(const Step& step) {
        if (step.kind != StepKind::run && step.kind != StepKind::shell) return;
        for (const Param& p : pack_.params) {
            if (!p.secret) continue;
            const std::string ref = "${" + p.name + "}";
            for (const std::string& a : step.argv)
                if (a.find(ref) != std::string::npos) {
                    warn(step.where, "secret-in-argv",
                         "the secret param " + p.name +
                             " is passed as an argument, which every user of the machine can "
                             "see (ps) while the step runs: pass it as <env name=\"...\">" +
                             ref + "</env> and let the program read it from there");
                    break;
                }
        }
    }

    void lint_fix(const Fix& fix, const std::set<std::string>& languages) {
        const std::string name = "fix " + lint_quoted(fix.id);
        lint_translations(fix, name, languages);

        const std::array<const std::vector<Step>*, 4> phases = {&fix.check, &fix.steps, &fix.verify,
                                                                &fix.revert};
        for (const auto* phase : phases)
            for (const Step& step : *phase) {
                lint_step(step);
                if (step.admin)
                    if (const std::string var = user_folder_variable_in(step); !var.empty())
                        warn(step.where, "admin-user-folder",
                             "an admin step names ${" + var +
                                 "}: the employee can turn that folder into a link to any "
                                 "other, so the admin helper refuses the step. Do it without "
                                 "admin rights, or work on a system path");
                lint_secret_args(step);
            }
        for (const DiagnosticItem& item : fix.diagnostics)
            if (item.kind == DiagnosticItem::Kind::command && !item.argv.empty())
                lint_program(item.argv.front(), item.where, "diagnostics command");

        bool any_admin = false;
        const Step* disruptive = nullptr;
        std::string why;
        for (const auto* phase : phases) {
            for (const Step& step : *phase) {
                any_admin = any_admin || step.admin;
                if (disruptive || phase == &fix.check || phase == &fix.verify) continue;
                if (step.admin) {
                    disruptive = &step;
                    why = "has admin steps";
                } else if (step.kind == StepKind::end_process) {
                    disruptive = &step;
                    why = "ends processes (" + step.process_name + ")";
                } else if (step.kind == StepKind::delete_files &&
                           !is_throwaway_variable(split_root(step.root).variable)) {
                    disruptive = &step;
                    why = "deletes files under " + step.root;
                }
            }
        }
        if (any_admin && fix.verify.empty())
            warn(fix.where, "admin-no-verify",
                 name +
                     " has admin steps but no <verify>: add one that tests what the "
                     "employee cares about, so a change made with admin rights is "
                     "confirmed to have worked");
        if (disruptive && fix.confirm.empty())
            warn(fix.where, "no-confirm",
                 name + " " + why + " but has no <confirm>: tell the employee what will " +
                     "happen before it runs");
        if (fix.check.empty())
            add(LintFinding::Severity::note, fix.where, "no-check",
                name + " has no <check>: its steps run every time, even when nothing is wrong");
    }

    void lint_translations(const Fix& fix, const std::string& name,
                           const std::set<std::string>& languages) {
        const std::array<std::pair<const char*, const LocalizedText*>, 3> texts = {
            {{"<title>", &fix.title},
             {"<description>", &fix.description},
             {"<confirm>", &fix.confirm}}};
        for (const auto& [element, text] : texts) {
            if (text->empty()) continue;
            const auto have = translations(*text);
            std::vector<std::string> missing;
            for (const auto& l : languages)
                if (!have.count(l)) missing.push_back(l);
            if (missing.empty()) continue;
            warn(fix.where, "missing-translation",
                 name + ": " + element + " has no translation for " + join(missing) +
                     " (used elsewhere in this pack)");
        }
    }

    void lint_program(const std::string& program, SourcePos pos, const char* what) {
        // "systemctl --user restart pipewire" in one <arg>: one program of that whole name,
        // which no machine has. A plain name (no path) with white space is that mistake.
        if (is_plain_name(program) && program.find_first_of(" \t") != std::string::npos &&
            !program.starts_with("${")) {
            const std::string first = program.substr(0, program.find_first_of(" \t"));
            warn(pos, "program-with-args",
                 std::string(what) + " program " + lint_quoted(program) +
                     " has spaces: the first <arg> is the program alone. Put each word in its "
                     "own <arg>: <arg>" +
                     first + "</arg><arg>...</arg>");
            return;
        }
        if (program.empty() || is_absolute_program(program) || is_plain_name(program)) return;
        warn(pos, "relative-program",
             std::string(what) + " program " + lint_quoted(program) +
                 " is a relative path: it depends on the directory fixtray runs in; use a "
                 "plain name found on PATH, an absolute path or ${packdir}/...");
    }

    void lint_step(const Step& step) {
        switch (step.kind) {
            case StepKind::shell:
                warn(step.where, kShellStep,
                     "shell step runs " +
                         (step.interpreter.empty() ? "an interpreter"
                                                   : lint_quoted(step.interpreter)) +
                         ": prefer <run> with an argument list or a typed step");
                break;
            case StepKind::run:
                if (!step.argv.empty()) lint_program(step.argv.front(), step.where, "<run>");
                break;
            case StepKind::delete_files:
                lint_delete(step);
                break;
            default:
                break;
        }
    }

    void lint_delete(const Step& step) {
        const RootPath root = split_root(step.root);
        if (!root.variable.empty() && is_user_dir_variable(root.variable) && climbs_up(root.rest)) {
            // It already starts with a user directory: the ".." is what leaves it.
            warn(step.where, "delete-outside-user",
                 "delete-files root " + lint_quoted(step.root) + " climbs out of ${" +
                     root.variable +
                     "} with \"..\": the delete may reach outside the user's directories; "
                     "name the directory below ${" +
                     root.variable + "} without \"..\"");
            return;
        }
        if (!inside_user_dirs(root)) {
            warn(step.where, "delete-outside-user",
                 "delete-files root " + lint_quoted(step.root) +
                     " is outside the user's directories: start it with ${cache}, ${temp}, "
                     "${trash}, ${data}, "
                     "${config} or ${home}");
            return;
        }
        if (!is_whole_variable(root)) return;
        if (root.variable == "home")
            warn(step.where, "delete-home",
                 "delete-files root is the whole home directory (" + lint_quoted(step.root) + ")" +
                     (matches_everything(step.glob)
                          ? " and glob " + lint_quoted(step.glob) + " deletes every file in it"
                          : std::string()) +
                     ": name the directory below ${home} instead");
        else if (root.variable == "config" && matches_everything(step.glob))
            warn(step.where, "delete-home",
                 "delete-files deletes every file under " + lint_quoted(step.root) + " (glob " +
                     lint_quoted(step.glob) +
                     "): that is every program's settings; name the directory below it");
    }

    const FixPack& pack_;
    std::vector<LintFinding> out_;
};

}  // namespace

std::vector<LintFinding> lint_pack(const FixPack& pack) {
    return Linter(pack).run();
}

std::vector<LintFinding> lint_overrides(const FixPack& pack, const Catalog& builtin) {
    std::vector<LintFinding> out;
    const auto same_file = [](const std::string& a, const std::string& b) {
        std::error_code ec1, ec2;
        const auto ca = std::filesystem::weakly_canonical(a, ec1);
        const auto cb = std::filesystem::weakly_canonical(b, ec2);
        return ec1 || ec2 ? a == b : ca == cb;
    };
    for (const Fix& fix : pack.fixes) {
        for (const FixPack& other : builtin.packs()) {
            if (same_file(other.file, pack.file)) continue;
            const Fix* replaced = nullptr;
            for (const Fix& f : other.fixes)
                for (Platform p : {Platform::linux, Platform::windows, Platform::macos})
                    if (!replaced && f.id == fix.id && f.runs_on(p) && fix.runs_on(p))
                        replaced = &f;
            if (!replaced) continue;
            LintFinding f;
            f.severity = LintFinding::Severity::warning;
            f.where = pack.location(fix.where);
            f.code = "overrides-builtin";
            f.message = "fix " + lint_quoted(fix.id) + " has the id of a built-in fix (pack " +
                        other.id + " version " + std::to_string(other.version) + ", " + other.file +
                        ":" + std::to_string(replaced->where.line) +
                        "): on every machine it replaces that fix. Give it an id of its own "
                        "unless replacing it is the point (machines whose policy sets "
                        "feed_overrides_builtin to false keep the built-in one)";
            out.push_back(std::move(f));
            break;
        }
    }
    return out;
}

std::vector<LintFinding> lint_load_result(const PackLoadResult& loaded, const Catalog* builtin) {
    std::vector<LintFinding> out;
    if (loaded.pack) out = lint_pack(*loaded.pack);
    if (loaded.pack && builtin) {
        auto more = lint_overrides(*loaded.pack, *builtin);
        out.insert(out.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
    }
    const auto reported_by_lint = [&](const SourceLocation& where) {
        return std::any_of(out.begin(), out.end(), [&](const LintFinding& f) {
            return f.code == kShellStep && f.where.line == where.line &&
                   f.where.column == where.column;
        });
    };
    std::vector<LintFinding> loader;
    for (const PackProblem& p : loaded.problems) {
        const bool error = p.severity == PackProblem::Severity::error;
        if (!error && reported_by_lint(p.where)) continue;
        LintFinding f;
        f.severity = error ? LintFinding::Severity::error : LintFinding::Severity::warning;
        f.where = p.where;
        f.code = error ? "invalid" : "validate";
        f.message = p.message;
        loader.push_back(std::move(f));
    }
    out.insert(out.begin(), std::make_move_iterator(loader.begin()),
               std::make_move_iterator(loader.end()));
    std::stable_sort(out.begin(), out.end(), [](const LintFinding& a, const LintFinding& b) {
        return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    return out;
}

std::vector<LintFinding> lint_pack_file(const std::string& path, const Catalog* builtin) {
    return lint_load_result(load_pack_file(path), builtin);
}

}  // namespace fixtray
