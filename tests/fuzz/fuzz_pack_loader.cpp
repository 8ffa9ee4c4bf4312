// libFuzzer target: any byte string given to the pack loader must produce a result (a pack or
// problems), never a crash, hang, sanitizer report or exception.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "packs/pack_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view xml(reinterpret_cast<const char*>(data), size);
    fixtray::PackLoadLimits limits;
    limits.max_fixes = 50;
    limits.max_steps_per_phase = 50;
    const fixtray::PackLoadResult result =
        fixtray::load_pack_from_string(xml, "fuzz.xml", "/p", limits);
    // A pack is returned exactly when there is no error; every problem has a message.
    bool has_error = false;
    for (const auto& p : result.problems) {
        if (p.message.empty()) __builtin_trap();
        has_error |= p.severity == fixtray::PackProblem::Severity::error;
        (void)p.str();
    }
    if (has_error == result.ok()) __builtin_trap();
    if (result.ok() && result.pack->fixes.empty()) __builtin_trap();
    return 0;
}
