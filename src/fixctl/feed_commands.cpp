// fixctl feed build / verify: the help desk's side of a pack feed.
#include <iostream>

#include "commands.h"
#include "feed/feed_build.h"
#include "platform/read_file.h"

namespace fixtray::cli {

int cmd_feed_build(const GlobalOptions& g, const FeedBuildCommand& c) {
    FeedBuildOptions o;
    o.packs_dir = c.packs_dir;
    o.feed_dir = c.feed_dir;
    o.repository = c.repository;
    o.expires_days = c.expires_days;
    if (c.serial_given) o.serial = c.serial;
    if (!g.no_builtin) o.builtin_pack_dirs = g.machine.builtin_pack_dirs;
    const FeedBuildResult r = build_feed(o);
    for (const auto& w : r.warnings) std::cerr << w << "\n";
    if (r.ok && c.expires_days > 400)
        std::cerr << "fixctl: warning: --expires " << c.expires_days
                  << ": machines refuse an index valid for more than feed.max_expiry_days (400 "
                     "days unless their config says more)\n";
    if (!r.ok) {
        for (const auto& e : r.errors) std::cerr << e << "\n";
        std::cerr << "fixctl: nothing written to " << c.feed_dir << "\n";
        return r.bad_options ? kUsage : kNotFixed;
    }
    const std::string index_path = c.feed_dir + "/index.xml";
    std::cout << "Feed " << r.index.repository << " serial " << r.index.serial;
    if (r.previous) std::cout << " (was " << *r.previous << ")";
    std::cout << ": " << r.index.packs.size() << " pack(s), expires "
              << format_feed_time(r.index.expires) << "\n";
    for (const auto& p : r.index.packs)
        std::cout << "  " << p.id << " version " << p.version << " -> packs/" << p.file << "\n";
    std::cout << r.written.size() << " pack file(s) written";
    if (!r.unlisted.empty())
        std::cout << ", " << r.unlisted.size()
                  << " older file(s) in packs/ kept for clients still syncing";
    std::cout << "\nWrote " << index_path << ". Sign it now (index.xml.minisig is out of date):\n"
              << "  minisign -S -s KEYFILE -m " << index_path << " -t \"" << r.index.repository
              << " serial " << r.index.serial << "\"\n";
    return kOk;
}

int cmd_feed_verify(const FeedVerifyCommand& c) {
    std::vector<MinisignPublicKey> keys;
    for (const auto& file : c.key_files) {
        std::string text;
        if (Status read = read_file_bounded(file, 4096, text); !read) {
            std::cerr << "fixctl: " << file << ": " << read.message() << "\n";
            return kUsage;
        }
        Result<MinisignPublicKey> key = parse_minisign_public_key(text, file);
        if (!key) {
            std::cerr << "fixctl: " << key.message() << "\n";
            return kUsage;
        }
        keys.push_back(std::move(key).value());
    }
    FeedVerifyOptions o;
    o.repository = c.repository;
    const FeedVerification v = verify_feed_directory(c.feed_dir, keys, o);
    for (const auto& e : v.errors) std::cerr << e << "\n";
    if (!v.ok()) {
        std::cerr << "fixctl: " << c.feed_dir << " is NOT a valid feed (" << v.errors.size()
                  << " problem(s))\n";
        return kNotFixed;
    }
    const FeedIndex& index = *v.index;
    std::cout << c.feed_dir << ": valid feed " << index.repository << " serial " << index.serial
              << ", signed with key " << v.key_id << " (trusted comment: " << v.trusted_comment
              << "), " << index.packs.size() << " pack(s), " << index.revoked.size()
              << " revoked, expires " << format_feed_time(index.expires) << "\n";
    return kOk;
}

}  // namespace fixtray::cli
