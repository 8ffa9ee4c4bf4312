// Dispatch of the typed built-in steps, the wait step, and the glob / root validation shared by
// delete_files and exists. Platform-specific built-ins live in posix/ and win32/.
#include "engine/steps/builtin_steps.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/cancel_token.h"
#include "base/clock.h"

namespace fixtray {
namespace {

std::vector<std::string_view> split_segments(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = s.find('/', start);
        if (slash == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, slash - start));
        start = slash + 1;
    }
}

// Matches a bracket class starting at pattern[i] == '['. On success sets `next` to the index
// after ']' and `matched` to whether c is in the class. Returns false when the '[' does not
// open a well-formed class (it is then a literal '[').
bool match_class(std::string_view p, std::size_t i, char c, std::size_t& next, bool& matched) {
    std::size_t j = i + 1;
    bool negate = false;
    if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
        negate = true;
        ++j;
    }
    bool in = false;
    bool first = true;
    while (j < p.size() && (first || p[j] != ']')) {
        first = false;
        char lo = p[j];
        char hi = lo;
        if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
            hi = p[j + 2];
            j += 3;
        } else {
            j += 1;
        }
        if (lo <= c && c <= hi) in = true;
    }
    if (j >= p.size()) return false;  // no closing ']'
    next = j + 1;
    matched = in != negate;
    return true;
}

constexpr std::size_t no_match = std::string_view::npos;

// The greedy matcher both levels share: pattern `p` against `s`, where is_star(p[i]) says that
// p[i] stands for any run of elements (consecutive stars count as one) and advance(pi, si) says
// where the pattern goes on after p[pi] matched s[si], or no_match. Single-star backtracking,
// linear in practice.
template <class Seq, class IsStar, class Advance>
bool greedy_match(const Seq& p, const Seq& s, IsStar is_star, Advance advance) {
    std::size_t pi = 0, si = 0;
    std::size_t star_p = no_match, star_s = 0;
    while (si < s.size()) {
        if (pi < p.size() && is_star(p[pi])) {
            while (pi < p.size() && is_star(p[pi])) ++pi;
            star_p = pi;
            star_s = si;
            continue;
        }
        if (pi < p.size()) {
            if (const std::size_t next = advance(pi, si); next != no_match) {
                pi = next;
                ++si;
                continue;
            }
        }
        if (star_p == no_match) return false;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < p.size() && is_star(p[pi])) ++pi;
    return pi == p.size();
}

// One path segment against one pattern segment: * and ? (never '/', segments have none),
// [..] classes; "**" inside a segment is "*".
bool match_segment(std::string_view p, std::string_view s) {
    const auto is_star = [](char c) { return c == '*'; };
    return greedy_match(p, s, is_star, [&](std::size_t pi, std::size_t si) {
        if (p[pi] == '?') return pi + 1;
        if (p[pi] == '[') {
            std::size_t next = 0;
            bool matched = false;
            if (match_class(p, pi, s[si], next, matched)) return matched ? next : no_match;
            return s[si] == '[' ? pi + 1 : no_match;  // not a class: a literal '['
        }
        return p[pi] == s[si] ? pi + 1 : no_match;
    });
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
    const auto ps = split_segments(pattern);
    const auto ss = split_segments(path);
    // The same matcher one level up: "**" is a star over whole segments.
    const auto is_star = [](std::string_view segment) { return segment == "**"; };
    return greedy_match(ps, ss, is_star, [&](std::size_t pi, std::size_t si) {
        return match_segment(ps[pi], ss[si]) ? pi + 1 : no_match;
    });
}

Status validate_glob(const std::string& glob) {
    if (glob.empty()) return Status::error("the glob is empty");
    if (glob.find('\0') != std::string::npos)
        return Status::error("the glob contains a NUL character");
    if (glob.front() == '/' || glob.front() == '\\')
        return Status::error("the glob must be relative to the root");
    if (glob.size() >= 2 && glob[1] == ':')
        return Status::error("the glob must be relative to the root");
    if (glob.find('\\') != std::string::npos)
        return Status::error("the glob must use '/' as separator");
    for (std::string_view seg : split_segments(glob)) {
        if (seg == "..") return Status::error("the glob must not contain a \"..\" segment");
        if (seg == ".") return Status::error("the glob must not contain a \".\" segment");
        if (seg.empty())
            return Status::error(
                "the glob must not contain an empty segment (\"//\" or a trailing '/')");
    }
    return {};
}

BuiltinResult wait_step(const Step& step, BuiltinContext& ctx) {
    using namespace std::chrono;
    BuiltinResult r;
    const milliseconds want = step.duration < milliseconds(0) ? milliseconds(0) : step.duration;
    // A wait longer than the step's timeout is cut at the timeout and reported as timed out.
    const bool too_long = step.timeout > milliseconds(0) && want > step.timeout;
    const milliseconds d = too_long ? step.timeout : want;
    if (!ctx.clock.sleep_for(d, ctx.cancel)) {
        r.cancelled = true;
        r.message = "the wait was cancelled";
        return r;
    }
    if (too_long) {
        r.timed_out = true;
        r.message = "the wait of " + std::to_string(want.count()) +
                    " ms is longer than the step's time limit";
        return r;
    }
    r.ok = true;
    r.message = "waited " + std::to_string(d.count()) + " ms";
    return r;
}

BuiltinResult run_builtin(const Step& step, BuiltinContext& ctx) {
    if (ctx.cancel.cancelled()) {
        BuiltinResult r;
        r.cancelled = true;
        r.message = "cancelled before the step started";
        return r;
    }
    switch (step.kind) {
        case StepKind::delete_files:
            return delete_files(step, ctx);
        case StepKind::end_process:
            return end_process(step, ctx);
        case StepKind::http_probe:
            return http_probe(step, ctx);
        case StepKind::dns_resolve:
            return dns_resolve(step, ctx);
        case StepKind::tcp_connect:
            return tcp_connect(step, ctx);
        case StepKind::exists:
            return path_exists(step, ctx);
        case StepKind::wait:
            return wait_step(step, ctx);
        case StepKind::run:
        case StepKind::shell:
            break;
    }
    BuiltinResult r;
    r.message =
        "internal error: run and shell steps are run by the process runner, not as built-ins";
    return r;
}

}  // namespace fixtray
