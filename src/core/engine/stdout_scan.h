// What a run or shell step's standard output is checked for while the step runs: its
// stdout-match, searched in each line, and its capture, each non-empty line an item. Both see
// the whole stream as it arrives, whatever part of it the run record keeps (the record keeps the
// start and the end of a long output, with a marker between that is never data).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "packs/variables.h"

namespace fixtray {

class Pattern;

class StdoutScanner {
public:
    // A capture that would take more lines, or more bytes, fails its step: a partial list is
    // never handed to the steps that use it.
    static constexpr std::size_t kMaxCaptureLines = 10'000;
    static constexpr std::size_t kMaxCaptureBytes = 1 << 20;
    // A line longer than this is searched in pieces of this size (and cannot be captured).
    static constexpr std::size_t kMaxLine = 1 << 20;

    // match: the step's compiled stdout-match, or nullptr; capture: whether lines are kept.
    StdoutScanner(const Pattern* match, bool capture);

    // The next part of the output, as it came.
    void feed(std::string_view chunk);
    // The output ended: a last line without a newline counts too.
    void finish();

    // Some line had a match (always false without a pattern).
    bool matched() const { return matched_; }
    // Why the capture cannot be used ("" when it can): over one of the limits above.
    const std::string& capture_problem() const { return capture_problem_; }
    // The captured lines, trailing spaces and CR removed, empty lines left out.
    std::vector<ListItem> take_items() { return std::move(items_); }

private:
    void line(std::string_view text, bool whole);

    const Pattern* match_;
    bool capture_;
    bool matched_ = false;
    std::string pending_;  // the current line, up to its newline
    std::vector<ListItem> items_;
    std::size_t captured_bytes_ = 0;
    std::string capture_problem_;
};

}  // namespace fixtray
