#include "app/machine_config.h"

#include <algorithm>
#include <filesystem>

#include "app/managed_policy.h"
#include "platform/trusted_path.h"

namespace fixtray {

CatalogOptions CatalogOptions::admin_helper() {
    CatalogOptions o;
    o.root_owned_only = true;
    o.expired_feed = false;
    return o;
}

bool MachineConfig::ok() const {
    return std::none_of(problems.begin(), problems.end(),
                        [](const ConfigProblem& p) { return !p.warning; });
}

MachineConfig load_machine_config(const MachinePaths& paths, const CatalogOptions& options) {
    MachineConfig c;
    c.feed = default_feed_config();
    c.feed.keys_dir = paths.keys_dir;
    c.feed.state_dir = paths.feed_state_dir;

    // The site and the feed readers each parse the whole file: a syntax error would be
    // reported twice, so the second copy of a problem is dropped.
    auto add = [&](std::vector<ConfigProblem> problems) {
        for (auto& p : problems) {
            const bool seen = std::any_of(c.problems.begin(), c.problems.end(), [&](const auto& q) {
                return q.where == p.where && q.message == p.message;
            });
            if (!seen) c.problems.push_back(std::move(p));
        }
    };
    auto read = [&](const std::string& file, bool required) {
        add(merge_site_config_file(file, required, &c.site));
        add(merge_feed_config_file(file, required, &c.feed, &c.policy));
    };
    // The machine's managed policy (Windows: Group Policy's registry values; none elsewhere) is
    // read last and wins. Only administrators can write it: the admin helper trusts it too.
    auto read_managed = [&] {
        add(merge_managed_policy(machine_managed_policy(), &c.site, &c.feed, &c.policy));
    };

    if (options.root_owned_only) {
        std::error_code ec;
        if (std::filesystem::exists(std::filesystem::symlink_status(paths.config_file, ec))) {
            if (Status trusted = check_root_owned(paths.config_file); !trusted)
                c.problems.push_back(
                    {paths.config_file, "not read, it is untrusted: " + trusted.message()});
            else
                read(paths.config_file, true);
        }
        read_managed();
        return c;  // never a user's config
    }
    read(paths.config_file, false);
    if (!options.user_config_file.empty()) read(options.user_config_file, true);
    read_managed();
    return c;
}

}  // namespace fixtray
