#include "packs/pattern.h"

#include <cstdint>
#include <vector>

#include <re2/re2.h>

#include "packs/pack_syntax.h"
#include "packs/variables.h"

namespace fixtray {
namespace {

constexpr std::string_view syntax_page = "https://github.com/google/re2/wiki/Syntax";
// RE2's message quotes the rest of the pattern from the error on: keep a message readable.
constexpr std::size_t max_message = 160;

bool continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string shortened(const std::string& message) {
    if (message.size() <= max_message) return message;
    std::size_t cut = max_message;
    while (cut > 0 && continuation_byte(message[cut])) --cut;
    return message.substr(0, cut) + "...";
}

// What RE2 lacks, named, so that an author who wrote Perl or ECMAScript knows what to change.
std::string hint(const re2::RE2& re, std::string_view pattern) {
    const std::string& arg = re.error_arg();
    if (re.error_code() == re2::RE2::ErrorBadEscape && arg.size() == 2 &&
        ((arg[1] >= '1' && arg[1] <= '9') || arg[1] == 'k' || arg[1] == 'g'))
        return "; RE2 has no back-references (see " + std::string(syntax_page) + ")";
    if (re.error_code() == re2::RE2::ErrorBadPerlOp) {
        for (std::string_view op : {"(?=", "(?!", "(?<=", "(?<!"})
            if (pattern.find(op) != std::string_view::npos)
                return "; RE2 has no look-ahead or look-behind (see " + std::string(syntax_page) +
                       ")";
    }
    return "";
}

}  // namespace

Pattern::Pattern(std::string_view text) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(static_cast<std::int64_t>(max_memory));
    re_ = std::make_unique<re2::RE2>(re2::StringPiece(text.data(), text.size()), options);
    if (!re_->ok()) {
        error_ = shortened(re_->error()) + hint(*re_, text);
        if (error_.empty()) error_ = "invalid regular expression";
    }
}

Pattern::~Pattern() = default;
Pattern::Pattern(Pattern&&) noexcept = default;
Pattern& Pattern::operator=(Pattern&&) noexcept = default;

bool Pattern::search(std::string_view subject) const {
    if (!ok()) return false;
    return re2::RE2::PartialMatch(re2::StringPiece(subject.data(), subject.size()), *re_);
}

int Pattern::replace_in_lines(std::string& text, std::string_view replacement) const {
    if (!ok()) return 0;
    int count = 0;
    std::string out;
    std::size_t copied = 0;  // text[copied, ...) is still to be appended to out
    std::size_t line_start = 0;
    while (line_start <= text.size()) {
        std::size_t line_end = text.find('\n', line_start);
        if (line_end == std::string::npos) line_end = text.size();
        const re2::StringPiece line(text.data() + line_start, line_end - line_start);
        std::size_t from = 0;  // within the line
        re2::StringPiece match;
        while (from <= line.size() &&
               re_->Match(line, from, line.size(), re2::RE2::UNANCHORED, &match, 1)) {
            const std::size_t begin = static_cast<std::size_t>(match.data() - line.data());
            const std::size_t end = begin + match.size();
            if (match.empty()) {  // nothing to hide; go on from the next character
                from = end + 1;
                while (from < line.size() && continuation_byte(line[from])) ++from;
                continue;
            }
            out.append(text, copied, line_start + begin - copied);
            out.append(replacement);
            copied = line_start + end;
            ++count;
            from = end;
        }
        line_start = line_end + 1;
    }
    if (count == 0) return 0;
    out.append(text, copied, std::string::npos);
    text = std::move(out);
    return count;
}

Status stdout_match_problem(std::string_view attribute) {
    std::vector<pack_syntax::VarRef> refs;
    std::size_t bad = 0;
    if (!pack_syntax::scan_refs(attribute, refs, bad) || !refs.empty()) return {};
    // No references (checked above): only "$$" changes, and nothing can fail.
    const Result<std::string> pattern = Variables{}.expand(attribute);
    if (!pattern) return {};
    const Pattern compiled(*pattern);
    if (compiled.ok()) return {};
    return Status::error("invalid regular expression in stdout-match: " + compiled.error());
}

}  // namespace fixtray
