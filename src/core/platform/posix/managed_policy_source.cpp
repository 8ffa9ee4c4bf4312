// No managed policy source on Linux and macOS. Linux: the help desk's settings are
// /etc/fixtray/fixtray.json, read by the config readers themselves. macOS: managed preferences
// (a configuration profile's org.fixtray.fixtray payload) are NOT read here yet; a profile that
// sets them has no effect on fixtray.
#include "platform/managed_policy_source.h"

namespace fixtray {

PolicySource read_managed_policy(PolicyTree* tree) {
    *tree = {};
    return PolicySource::none;
}

}  // namespace fixtray
