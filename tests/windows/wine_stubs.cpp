// What the Wine tests link instead of the config readers: app/managed_policy.cpp calls
// merge_site_config, merge_feed_config and merge_escalation_config, which need pugixml and RE2,
// and Debian has no Windows builds of them. The Wine tests only turn the registry into the tree
// and the JSON document (managed_policy_from); the readers' checks of that document are the
// Linux doctest tests' (tests/app/test_managed_policy.cpp). Calling one of these is a test bug.
#include <stdexcept>

#include "escalation/escalation_config.h"
#include "feed/feed_config.h"
#include "packs/site_config.h"

namespace fixtray {

std::vector<ConfigProblem> merge_site_config(std::string_view, const std::string&, SiteConfig*) {
    throw std::logic_error("merge_site_config is not linked in the Wine tests");
}

std::vector<ConfigProblem> merge_feed_config(std::string_view, const std::string&, bool,
                                             FeedConfig*, FixPolicy*) {
    throw std::logic_error("merge_feed_config is not linked in the Wine tests");
}

std::vector<ConfigProblem> merge_escalation_config(std::string_view, const std::string&,
                                                   EscalationConfig*) {
    throw std::logic_error("merge_escalation_config is not linked in the Wine tests");
}

std::string ConfigProblem::str() const {
    return where + ": " + (warning ? "warning: " : "error: ") + message;
}

}  // namespace fixtray
