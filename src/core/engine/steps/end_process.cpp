// end_process and process_running over the primitives of process_platform.h: the polite request
// first, then the forced end for those still running after step.grace.
#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "engine/steps/builtin_steps.h"
#include "engine/steps/builtin_text.h"
#include "platform/process_platform.h"

namespace fixtray {
namespace {

using process_platform::Process;
using Processes = std::vector<std::unique_ptr<Process>>;

std::string pid_list(const Processes& ps) {
    std::string s;
    for (const auto& p : ps) {
        if (!s.empty()) s += ", ";
        s += std::to_string(p->pid());
    }
    return s;
}

std::size_t count_running(const Processes& ps) {
    std::size_t n = 0;
    for (const auto& p : ps) n += p->running() ? 1 : 0;
    return n;
}

// Waits until none of `ps` runs, `limit` passes or the token is cancelled.
// Returns false when cancelled.
bool wait_gone(const Processes& ps, std::chrono::milliseconds limit, const CancelToken& cancel) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (true) {
        if (count_running(ps) == 0) return true;
        if (cancel.cancelled()) return false;
        if (std::chrono::steady_clock::now() >= deadline) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

// After the forced end, how long the step waits at least to see the processes gone.
constexpr std::chrono::milliseconds kForcedWait{250};

std::string processes_noun(std::size_t n, const std::string& name) {
    return builtin_text::count_noun(n, (name + " process").c_str(), (name + " processes").c_str());
}

}  // namespace

bool process_running(const std::string& name, std::optional<unsigned> owner) {
    if (!process_platform::check_name(name)) return false;
    return !process_platform::find_processes(name, false, owner).empty();
}

BuiltinResult end_process(const Step& step, BuiltinContext& ctx) {
    BuiltinResult r;
    const std::string& name = step.process_name;
    if (Status named = process_platform::check_name(name); !named) {
        r.message = named.message();
        return r;
    }
    const Processes targets = process_platform::find_processes(name, step.admin);
    if (targets.empty()) {
        r.ok = true;
        r.message = "no " + name + " process was running";
        return r;
    }
    const std::string noun = processes_noun(targets.size(), name);
    if (ctx.dry_run) {
        r.ok = true;
        r.message = "would end " + noun;
        r.detail = "pids: " + pid_list(targets) + "\n";
        return r;
    }

    // A process that refuses is reported once: when asked, or else when forced.
    std::vector<bool> refused(targets.size(), false);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (const Status asked = targets[i]->ask_to_end(); !asked) {
            refused[i] = true;
            builtin_text::append_line(r.detail, "cannot end " + std::to_string(targets[i]->pid()) +
                                                    ": " + asked.message());
        }
    }
    // The whole step keeps to its timeout: the polite request waits at most until then (a pack
    // cannot give a longer grace: the loader refuses it), the forced end has what is left, and
    // at least kForcedWait, so that processes ended by force are seen gone.
    const auto deadline = ctx.clock.steady_now() + step.timeout;
    const auto left_until = [&](std::chrono::steady_clock::time_point end) {
        return std::max(
            std::chrono::milliseconds(0),
            std::chrono::duration_cast<std::chrono::milliseconds>(end - ctx.clock.steady_now()));
    };
    if (!wait_gone(targets, std::min(step.grace, left_until(deadline)), ctx.cancel)) {
        r.cancelled = true;
        r.message = "cancelled while waiting for " + name + " to end";
        return r;
    }
    std::size_t forced = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        Process& t = *targets[i];
        if (!t.running()) continue;
        if (const Status ended = t.force_end(); ended) {
            ++forced;
            builtin_text::append_line(r.detail, std::to_string(t.pid()) +
                                                    " did not end within the grace period: " +
                                                    process_platform::forced_end_word);
        } else if (!refused[i]) {
            builtin_text::append_line(
                r.detail, "cannot end " + std::to_string(t.pid()) + ": " + ended.message());
        }
    }
    if (forced > 0 &&
        !wait_gone(targets, std::max(kForcedWait, left_until(deadline)), ctx.cancel)) {
        r.cancelled = true;
        r.message = "cancelled while waiting for " + name + " to end";
        return r;
    }
    const std::size_t left = count_running(targets);
    if (left == 0) {
        r.ok = true;
        r.message = "ended " + noun;
    } else {
        const bool any_refused = std::find(refused.begin(), refused.end(), true) != refused.end();
        r.message = processes_noun(left, name) + " could not be ended" +
                    (any_refused ? " (permission denied)" : "");
    }
    builtin_text::append_line(r.detail, "pids: " + pid_list(targets));
    return r;
}

}  // namespace fixtray
