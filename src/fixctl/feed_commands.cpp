// fixctl feed build / verify: the help desk's side of a pack feed.
#include <iostream>

#include "base/i18n.h"
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
        std::cerr << "fixctl: "
                  // TRANSLATORS: %s is the number of days given with --expires.
                  << trf("warning: --expires %s: machines refuse an index valid for more than "
                         "feed.max_expiry_days (400 days unless their config says more)",
                         {std::to_string(c.expires_days)})
                  << "\n";
    if (!r.ok) {
        for (const auto& e : r.errors) std::cerr << e << "\n";
        std::cerr << "fixctl: " << trf("nothing written to %s", {c.feed_dir}) << "\n";
        return r.bad_options ? kUsage : kNotFixed;
    }
    const std::string index_path = c.feed_dir + "/index.xml";
    const std::size_t packs = r.index.packs.size();
    const std::string serial = std::to_string(r.index.serial);
    const std::string expires = format_feed_time(r.index.expires);
    if (r.previous)
        // TRANSLATORS: `fixctl feed build`: the feed's repository id, its new serial, (the serial
        // it replaces,) the number of packs, the expiry time.
        std::cout << trfn("Feed %1$s serial %2$s (was %3$s): %4$s pack, expires %5$s",
                          "Feed %1$s serial %2$s (was %3$s): %4$s packs, expires %5$s", packs,
                          {r.index.repository, serial, std::to_string(*r.previous),
                           std::to_string(packs), expires});
    else
        std::cout << trfn("Feed %1$s serial %2$s: %3$s pack, expires %4$s",
                          "Feed %1$s serial %2$s: %3$s packs, expires %4$s", packs,
                          {r.index.repository, serial, std::to_string(packs), expires});
    std::cout << "\n";
    for (const auto& p : r.index.packs)
        std::cout << "  "
                  // TRANSLATORS: a pack of the feed: its id, its version, its file in the feed.
                  << trf("%s version %s -> packs/%s", {p.id, std::to_string(p.version), p.file})
                  << "\n";
    for (const auto& a : r.index.announcements)
        std::cout << "  "
                  // TRANSLATORS: `fixctl feed build` and `feed verify`: an announcement of the
                  // feed: its id, its expiry (RFC 3339 UTC), its title.
                  << trf("announcement %1$s until %2$s: %3$s",
                         {a.id, format_feed_time(a.expires), a.title.get("")})
                  << "\n";
    std::string written = trfn("%s pack file written", "%s pack files written", r.written.size(),
                               {std::to_string(r.written.size())});
    if (!r.unlisted.empty())
        // TRANSLATORS: %1$s is "N pack file(s) written" (translated on its own), %2$s a number.
        written = trfn("%1$s, %2$s older file in packs/ kept for clients still syncing",
                       "%1$s, %2$s older files in packs/ kept for clients still syncing",
                       r.unlisted.size(), {written, std::to_string(r.unlisted.size())});
    // The minisign command is copied as it is; its trusted comment is signed data, in English.
    std::cout << written << "\n"
              << trf("Wrote %s. Sign it now (index.xml.minisig is out of date):", {index_path})
              << "\n"
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
        std::cerr << "fixctl: "
                  // TRANSLATORS: the feed directory, the number of problems (listed above it).
                  << trfn("%s is NOT a valid feed (%s problem)",
                          "%s is NOT a valid feed (%s problems)", v.errors.size(),
                          {c.feed_dir, std::to_string(v.errors.size())})
                  << "\n";
        return kNotFixed;
    }
    const FeedIndex& index = *v.index;
    // TRANSLATORS: `fixctl feed verify`: the feed directory, the repository id, the serial, the
    // signing key's id, the signature's trusted comment, the number of packs, the number of
    // revoked packs, the expiry time.
    std::cout << trfn(
                     "%1$s: valid feed %2$s serial %3$s, signed with key %4$s (trusted comment: "
                     "%5$s), %6$s pack, %7$s revoked, expires %8$s",
                     "%1$s: valid feed %2$s serial %3$s, signed with key %4$s (trusted comment: "
                     "%5$s), %6$s packs, %7$s revoked, expires %8$s",
                     index.packs.size(),
                     {c.feed_dir, index.repository, std::to_string(index.serial), v.key_id,
                      v.trusted_comment, std::to_string(index.packs.size()),
                      std::to_string(index.revoked.size()), format_feed_time(index.expires)})
              << "\n";
    for (const auto& a : index.announcements)
        std::cout << "  "
                  << trf("announcement %1$s until %2$s: %3$s",
                         {a.id, format_feed_time(a.expires), a.title.get("")})
                  << "\n";
    return kOk;
}

}  // namespace fixtray::cli
