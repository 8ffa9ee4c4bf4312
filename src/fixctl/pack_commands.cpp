// fixctl pack ...: tools for fix pack authors.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/i18n.h"
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

// `validate` and `pack lint`, for a folder without packs.
constexpr const char* kNoPackFilesMsg = N_("no *.xml fix pack files here");

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
        // A feed's announcements.xml beside the packs is checked as `feed build` will.
        const std::string announcements = announcements_file_for(path);
        if (!announcements.empty()) {
            ++files;
            for (const auto& p : check_announcements_file(announcements).problems) {
                LintFinding f = path_error(p.where.file, p.message);
                f.where = p.where;
                findings.push_back(std::move(f));
            }
            if (announcements == path) continue;
        }
        const Result<std::vector<std::string>> listed = pack_files_under(path);
        if (!listed) {
            findings.push_back(path_error(path, listed.message()));
            continue;
        }
        const std::vector<std::string>& found = *listed;
        if (found.empty() && announcements.empty()) {
            // --json keeps the English message, as every finding's (the core's are English).
            findings.push_back(path_error(path, as_json ? kNoPackFilesMsg : tr(kNoPackFilesMsg)));
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
        // TRANSLATORS: the summary of `fixctl pack lint`, "3 files linted: 0 errors, 2 warnings,
        // 1 note": each %s is "N file(s)", "N error(s)"... translated on its own.
        std::cerr << trf("%1$s linted: %2$s, %3$s, %4$s",
                         {trfn("%s file", "%s files", files, {std::to_string(files)}),
                          trfn("%s error", "%s errors", errors, {std::to_string(errors)}),
                          trfn("%s warning", "%s warnings", warnings, {std::to_string(warnings)}),
                          trfn("%s note", "%s notes", notes, {std::to_string(notes)})})
                  << "\n";
    if (errors) return kNotFixed;
    if (warnings) return kLintWarnings;
    return kOk;
}

}  // namespace fixtray::cli
