// Regular expressions that come from outside (a pack's stdout-match, a site's redaction
// patterns), run by RE2: time linear in the subject, no recursion on the subject, memory bounded
// per pattern. The one place in the code base that compiles such a pattern.
//
// Syntax: https://github.com/google/re2/wiki/Syntax. RE2 has no back-references and no
// look-around; ^ and $ are the start and end of the whole subject unless the pattern says (?m).
// A compiled Pattern may be used from several threads at once (its methods are const).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace re2 {
class RE2;
}

namespace fixtray {

class Pattern {
public:
    // Memory one compiled pattern may use (program and matching caches). A pattern whose program
    // does not fit fails to compile ("pattern too large"); a search whose cache overflows goes on
    // more slowly, still linear.
    static constexpr std::size_t max_memory = 1 << 20;

    // Compiles `text`. Never throws for a bad pattern: check ok() / error().
    explicit Pattern(std::string_view text);
    ~Pattern();
    Pattern(Pattern&&) noexcept;
    Pattern& operator=(Pattern&&) noexcept;

    bool ok() const { return re_ && error_.empty(); }  // false once moved from
    // Why the pattern was refused, for a person: RE2's own message ("missing ): (enabled"),
    // shortened when it quotes a long pattern, plus a hint when the pattern uses what RE2 lacks
    // (back-references, look-around). Empty when ok().
    const std::string& error() const { return error_; }

    // Is there a match anywhere in `subject`? False for a pattern that is not ok().
    bool search(std::string_view subject) const;

    // Replaces every non-empty match inside each line of `text` with `replacement`; a match never
    // spans a line end, and ^ / $ are the start and end of each line. Returns the number of
    // replacements (0 for a pattern that is not ok()).
    int replace_in_lines(std::string& text, std::string_view replacement) const;

private:
    std::unique_ptr<re2::RE2> re_;
    std::string error_;
};

// The problem with a step's stdout-match as written in a pack ("invalid regular expression in
// stdout-match: missing ): (enabled"), or ok when there is none. "$$" stands for one '$', as in
// every attribute. A value with ${variables} is left to the step, which checks it after expanding
// them (malformed references are the loader's reference check's to report).
Status stdout_match_problem(std::string_view attribute);

}  // namespace fixtray
