#include "app/offered_fixes.h"

#include "base/i18n.h"
#include "engine/engine.h"
#include "packs/fix_pack.h"

namespace fixtray {

std::vector<OfferedFix> offered_fixes(const Catalog& catalog, const SiteConfig& site,
                                      const UserEnvironment& env, bool include_not_applicable) {
    std::vector<OfferedFix> out;
    for (const CatalogEntry& e : catalog.fixes(current_platform())) {
        OfferedFix f{e, applicability_problem(*e.pack, *e.fix, site, env)};
        if (f.applies() || include_not_applicable) out.push_back(std::move(f));
    }
    return out;
}

std::string not_applicable_sentence(std::string_view problem) {
    // The forms engine.cpp's applicability_problem() writes.
    if (problem.ends_with('.')) problem.remove_suffix(1);
    if (problem.starts_with("this fix is for ") &&
        problem.find("; this machine runs ") != std::string_view::npos)
        return tr("This fix is made for another operating system.");
    constexpr std::string_view program = "this fix applies only where the program ";
    constexpr std::string_view present = " is present", absent = " is absent";
    if (!problem.starts_with(program)) return {};
    problem.remove_prefix(program.size());
    if (problem.size() > present.size() && problem.ends_with(present)) {
        problem.remove_suffix(present.size());
        // TRANSLATORS: %s is a program's name ("nmcli").
        return trf("This fix is only for computers where %s is installed.", {problem});
    }
    if (problem.size() > absent.size() && problem.ends_with(absent)) {
        problem.remove_suffix(absent.size());
        // TRANSLATORS: %s is a program's name ("nmcli").
        return trf("This fix is only for computers where %s is not installed.", {problem});
    }
    return {};
}

}  // namespace fixtray
