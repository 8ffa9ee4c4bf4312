// fixctl pack ...: tools for fix pack authors.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "engine/audit_log.h"
#include "packs/catalog.h"
#include "packs/pack_lint.h"

namespace fixtray::cli {

namespace {

LintFinding path_error(const std::string& path, std::string message) {
    LintFinding f;
    f.severity = LintFinding::Severity::error;
    f.where.file = path;
    f.code = "invalid";
    f.message = std::move(message);
    return f;
}

std::string plural(std::size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

int cmd_pack_lint(const GlobalOptions& g, const std::vector<std::string>& paths, bool as_json,
                  bool quiet) {
    // The built-in fixes a linted pack could replace on a machine (problems there are not the
    // author's: `fixctl validate` of the built-in packs reports them).
    Catalog builtin;
    if (!g.no_builtin)
        for (const auto& dir : g.machine.builtin_pack_dirs)
            if (const auto files = pack_files_under(dir))
                for (const auto& file : *files) (void)builtin.add_file(file, false);
    std::vector<LintFinding> findings;
    std::size_t files = 0;
    for (const auto& path : paths) {
        const Result<std::vector<std::string>> listed = pack_files_under(path);
        if (!listed) {
            findings.push_back(path_error(path, listed.message()));
            continue;
        }
        const std::vector<std::string>& found = *listed;
        if (found.empty()) {
            findings.push_back(path_error(path, "no *.xml fix pack files here"));
            continue;
        }
        for (const auto& file : found) {
            ++files;
            auto more = lint_pack_file(file, &builtin);
            findings.insert(findings.end(), std::make_move_iterator(more.begin()),
                            std::make_move_iterator(more.end()));
        }
    }

    std::size_t errors = 0, warnings = 0, notes = 0;
    for (const auto& f : findings) {
        switch (f.severity) {
            case LintFinding::Severity::error:
                ++errors;
                break;
            case LintFinding::Severity::warning:
                ++warnings;
                break;
            case LintFinding::Severity::note:
                ++notes;
                break;
        }
    }

    if (as_json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& f : findings)
            out.push_back({{"file", f.where.file},
                           {"line", f.where.line},
                           {"column", f.where.column},
                           {"severity", to_string(f.severity)},
                           {"code", f.code},
                           {"message", f.message}});
        std::cout << dump_json(out, 2) << "\n";
    } else {
        for (const auto& f : findings) std::cout << f.str() << "\n";
    }
    if (!quiet)
        std::cerr << plural(files, "file", "files")
                  << " linted: " << plural(errors, "error", "errors") << ", "
                  << plural(warnings, "warning", "warnings") << ", "
                  << plural(notes, "note", "notes") << "\n";
    if (errors) return kNotFixed;
    if (warnings) return kLintWarnings;
    return kOk;
}

}  // namespace fixtray::cli
