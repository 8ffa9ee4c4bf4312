#include "engine/stdout_scan.h"

#include "packs/pattern.h"

namespace fixtray {

StdoutScanner::StdoutScanner(const Pattern* match, bool capture)
    : match_(match), capture_(capture) {}

void StdoutScanner::feed(std::string_view chunk) {
    if (!capture_ && (!match_ || matched_)) return;  // nothing left to look for
    while (!chunk.empty()) {
        const auto end = chunk.find('\n');
        if (end == std::string_view::npos) {
            pending_.append(chunk);
            if (pending_.size() >= kMaxLine) {
                line(pending_, false);
                pending_.clear();
            }
            return;
        }
        if (pending_.empty()) {
            line(chunk.substr(0, end), true);
        } else {
            pending_.append(chunk.substr(0, end));
            line(pending_, true);
            pending_.clear();
        }
        chunk.remove_prefix(end + 1);
    }
}

void StdoutScanner::finish() {
    if (!pending_.empty()) line(pending_, true);
    pending_.clear();
}

// `whole`: the text is a line (or its last piece); false for a piece of a line over kMaxLine.
void StdoutScanner::line(std::string_view text, bool whole) {
    std::string_view trimmed = text;
    if (!trimmed.empty() && trimmed.back() == '\r') trimmed.remove_suffix(1);
    if (match_ && !matched_ && match_->search(trimmed)) matched_ = true;
    if (!capture_ || !capture_problem_.empty()) return;
    if (!whole) {
        capture_problem_ = "a line of the output is longer than the capture limit of " +
                           std::to_string(kMaxLine / 1024) + " KiB";
    } else {
        while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == ' '))
            trimmed.remove_suffix(1);
        if (trimmed.empty()) return;
        captured_bytes_ += trimmed.size();
        if (items_.size() >= kMaxCaptureLines)
            capture_problem_ = "the output has more than " + std::to_string(kMaxCaptureLines) +
                               " lines, the capture limit";
        else if (captured_bytes_ > kMaxCaptureBytes)
            capture_problem_ = "the output is larger than the capture limit of " +
                               std::to_string(kMaxCaptureBytes / 1024) + " KiB";
        else
            items_.push_back({std::string(trimmed), {}});
    }
    if (!capture_problem_.empty()) std::vector<ListItem>().swap(items_);
}

}  // namespace fixtray
