// Lint for fix pack authors: what `fixctl validate` reports, plus warnings about packs that are
// valid but risky or incomplete (a shell, deleting outside the user's directories, admin steps
// nobody verifies, missing translations...). Warnings never stop a pack from loading.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "packs/fix_pack.h"
#include "packs/pack_loader.h"

namespace fixtray {

class Catalog;

struct LintFinding {
    // error: the pack is invalid (as validate says). warning: valid but risky or incomplete.
    // note: worth knowing, often intended (does not change fixctl's exit code).
    enum class Severity { error, warning, note } severity = Severity::warning;
    SourceLocation where;
    std::string code;  // short and stable, for grep: "shell-step"; "invalid" for every error
    std::string message;

    // "file:line:col: warning: message [code]"; errors without the code, as validate prints.
    std::string str() const;
};

const char* to_string(LintFinding::Severity s);

// The lint warnings and notes of a loaded (valid) pack, in document order. Positions are those
// the loader kept: a step's element, or the <fix> element for what concerns the whole fix
// (missing translations, confirmation or verify). Thread-safe, never throws for any pack.
std::vector<LintFinding> lint_pack(const FixPack& pack);

// "overrides-builtin" warnings: each fix of `pack` whose id is that of a fix in `builtin` (the
// built-in packs) on a platform both run on. On a machine the later source wins, so the pack
// would replace that fix without a word; the warning names the fix it replaces and its file.
// A pack that is itself one of `builtin`'s files (the same path) overrides nothing.
std::vector<LintFinding> lint_overrides(const FixPack& pack, const Catalog& builtin);

// Everything for one load: the loader's problems (errors as code "invalid"), then, when the pack
// loaded, lint_pack's findings (and lint_overrides' with `builtin`); sorted by position. A loader
// warning that lint reports itself (the shell step) appears once, with lint's code.
std::vector<LintFinding> lint_load_result(const PackLoadResult& loaded,
                                          const Catalog* builtin = nullptr);

// load_pack_file, then lint_load_result.
std::vector<LintFinding> lint_pack_file(const std::string& path, const Catalog* builtin = nullptr);

}  // namespace fixtray
