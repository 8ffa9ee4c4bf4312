#include "feed/feed_build.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "feed/feed_config.h"
#include "packs/catalog.h"
#include "packs/pack_lint.h"
#include "packs/pack_loader.h"
#include "packs/pack_syntax.h"
#include "platform/durable_file.h"
#include "platform/read_file.h"

namespace fixtray {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxIndexBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxSignatureBytes = 4 * 1024;

std::string in_quotes(const std::string& s) {
    return "\"" + s + "\"";
}

std::string parent_dir(const std::string& path) {
    const std::string parent = fs::path(path).parent_path().string();
    return parent.empty() ? "." : parent;
}

// write_file_atomic (temp file, fsync, rename, fsync of the directory), then readable by all:
// the feed is served by a web server. A reader may meet the new file as 0600 for a moment.
Status write_published(const std::string& path, std::string_view content) {
    if (Status written = write_file_atomic(path, content); !written) return written;
    std::error_code ec;
    fs::permissions(path,
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                        fs::perms::others_read,
                    ec);
    if (ec) return Status::error("cannot make " + path + " readable: " + ec.message());
    return {};
}

}  // namespace

FeedPacksResult collect_feed_packs(const std::string& dir,
                                   const std::vector<std::string>& builtin_pack_dirs) {
    FeedPacksResult result;
    Catalog builtin;
    for (const auto& builtin_dir : builtin_pack_dirs)
        if (const auto builtin_files = pack_files_under(builtin_dir))
            for (const auto& file : *builtin_files) (void)builtin.add_file(file, false);
    const Result<std::vector<std::string>> listed = pack_files_under(dir);
    if (!listed) {
        result.errors.push_back(dir + ": " + listed.message());
        return result;
    }
    const std::vector<std::string>& files = *listed;
    if (files.empty()) {
        result.errors.push_back(dir + ": no fix packs (*.xml) found");
        return result;
    }
    const PackLoadLimits limits;
    std::map<std::string, std::string> path_of_id;
    for (const auto& path : files) {
        FeedPackSource source;
        source.path = path;
        if (Status read = read_file_bounded(path, limits.max_bytes, source.bytes); !read) {
            result.errors.push_back(path + ": error: " + read.message());
            continue;
        }
        // Loaded from the very bytes that are hashed and copied: no window for a change.
        const PackLoadResult loaded = load_pack_from_string(source.bytes, path, parent_dir(path));
        bool bad = false;
        for (const auto& p : loaded.problems) {
            if (p.severity != PackProblem::Severity::error) continue;
            result.errors.push_back(p.str());
            bad = true;
        }
        if (bad || !loaded.pack) continue;
        const FixPack& pack = *loaded.pack;
        for (const LintFinding& f : lint_overrides(pack, builtin))
            result.warnings.push_back(f.str());
        if (auto [it, fresh] = path_of_id.emplace(pack.id, path); !fresh) {
            result.errors.push_back(path + ": error: pack id " + in_quotes(pack.id) +
                                    " is also used by " + it->second);
            continue;
        }
        source.entry.id = pack.id;
        source.entry.version = pack.version;
        source.entry.size = source.bytes.size();
        source.entry.sha256 = sha256_hex(source.bytes);
        source.entry.file = feed_pack_file_name(pack.id, source.entry.sha256);
        if (!is_safe_feed_file_name(source.entry.file)) {
            result.errors.push_back(path + ": error: pack id " + in_quotes(pack.id) +
                                    " is too long for a feed file name (at most 107 characters)");
            continue;
        }
        result.packs.push_back(std::move(source));
    }
    std::sort(
        result.packs.begin(), result.packs.end(),
        [](const FeedPackSource& a, const FeedPackSource& b) { return a.entry.id < b.entry.id; });
    return result;
}

FeedAnnouncementsResult collect_feed_announcements(
    const std::string& dir, std::chrono::system_clock::time_point now,
    std::chrono::system_clock::time_point index_expires) {
    FeedAnnouncementsResult result;
    const std::string path = (fs::path(dir) / kAnnouncementsFileName).string();
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(path, ec))) return result;
    result.found = true;
    std::string text;
    // One byte over the limit is read, so the parser says the file is too large.
    if (Status read = read_file_bounded(path, kMaxAnnouncementsFileBytes, text); !read) {
        result.errors.push_back(path + ": error: " + read.message());
        return result;
    }
    AnnouncementsFileParse parsed = parse_announcements_file(text, path);
    for (const auto& p : parsed.problems) result.errors.push_back(p.str());
    if (!parsed.ok()) return result;
    for (AnnouncementSource& source : parsed.announcements) {
        FeedAnnouncement& a = source.announcement;
        const auto warn = [&](const std::string& message) {
            result.warnings.push_back(
                AnnouncementProblem{AnnouncementProblem::Severity::warning, source.where, message}
                    .str());
        };
        if (a.expires <= now) {
            warn("announcement " + in_quotes(a.id) + " expired at " + format_feed_time(a.expires) +
                 ": left out");
            continue;
        }
        if (a.expires > index_expires) {
            warn("announcement " + in_quotes(a.id) + " expires at " + format_feed_time(a.expires) +
                 ", after this index (" + format_feed_time(index_expires) +
                 "): it is published until the index expires; the next build carries it on");
            a.expires = index_expires;
        }
        result.announcements.push_back(std::move(a));
    }
    std::sort(result.announcements.begin(), result.announcements.end(),
              [](const FeedAnnouncement& a, const FeedAnnouncement& b) { return a.id < b.id; });
    return result;
}

FeedBuildResult build_feed(const FeedBuildOptions& o) {
    FeedBuildResult result;
    const auto fail = [&](std::string why) {
        result.errors.push_back(std::move(why));
        return result;
    };
    const auto bad_option = [&](std::string why) {
        result.bad_options = true;
        return fail(std::move(why));
    };
    if (o.expires_days < 1 || o.expires_days > 3650)
        return bad_option("--expires must be between 1 and 3650 days");

    {
        // A feed inside the pack folder would be read back as packs by the next build.
        std::error_code ec1, ec2;
        const fs::path packs = fs::weakly_canonical(o.packs_dir, ec1);
        const fs::path out = fs::weakly_canonical(o.feed_dir, ec2);
        if (!ec1 && !ec2) {
            const auto rel = out.lexically_relative(packs);
            if (!rel.empty() && *rel.begin() != "..")
                return bad_option("the feed directory " + o.feed_dir +
                                  " is inside the pack folder " + o.packs_dir +
                                  ": write it somewhere else");
        }
    }

    FeedIndex index;
    index.repository = o.repository;
    std::vector<FeedPackEntry> previous_packs;
    const std::string index_path = (fs::path(o.feed_dir) / "index.xml").string();
    std::error_code ec;
    if (fs::exists(fs::symlink_status(index_path, ec))) {
        std::string text;
        if (Status read = read_file_bounded(index_path, kMaxIndexBytes, text); !read)
            return fail(index_path + ": " + read.message());
        // The previous index only supplies the repository and serial: no signature needed.
        FeedIndexParse previous = parse_feed_index(text, index_path);
        if (!previous.index) {
            result.errors = std::move(previous.errors);
            result.errors.push_back(index_path +
                                    ": the existing index is invalid, so the next serial is "
                                    "unknown; fix or remove it");
            return result;
        }
        if (!o.repository.empty() && o.repository != previous.index->repository)
            return bad_option(index_path + " is the feed of repository " +
                              in_quotes(previous.index->repository) + ", not " +
                              in_quotes(o.repository));
        index.repository = previous.index->repository;
        // Revocations stay until someone removes them from the index on purpose.
        index.revoked = previous.index->revoked;
        result.previous = previous.index->serial;
        previous_packs = previous.index->packs;
    } else if (o.repository.empty()) {
        return bad_option(o.feed_dir +
                          " has no index.xml yet: give the feed's id with --repository ID "
                          "(reverse-DNS, e.g. com.example.helpdesk)");
    }
    if (!pack_syntax::is_pack_id(index.repository))
        return bad_option("--repository " + in_quotes(index.repository) +
                          " is not a reverse-DNS id such as com.example.helpdesk");

    if (o.serial) {
        if (*o.serial == 0) return bad_option("--serial must be at least 1");
        if (result.previous && *o.serial <= *result.previous)
            return bad_option("--serial " + std::to_string(*o.serial) + " must be greater than " +
                              std::to_string(*result.previous) +
                              ", the serial of the current index");
        index.serial = *o.serial;
    } else if (result.previous) {
        if (*result.previous == UINT64_MAX) return bad_option("the serial cannot go any higher");
        index.serial = *result.previous + 1;
    } else {
        index.serial = 1;
    }
    index.generated = std::chrono::floor<std::chrono::seconds>(o.now);
    index.expires = index.generated + std::chrono::hours(24) * o.expires_days;

    FeedPacksResult packs = collect_feed_packs(o.packs_dir, o.builtin_pack_dirs);
    result.warnings = std::move(packs.warnings);
    FeedAnnouncementsResult announcements =
        collect_feed_announcements(o.packs_dir, index.generated, index.expires);
    result.warnings.insert(result.warnings.end(), announcements.warnings.begin(),
                           announcements.warnings.end());
    if (!packs.errors.empty() || !announcements.errors.empty()) {
        result.errors = std::move(packs.errors);
        result.errors.insert(result.errors.end(), announcements.errors.begin(),
                             announcements.errors.end());
        return result;
    }
    index.announcements = std::move(announcements.announcements);
    for (const auto& p : packs.packs) {
        if (std::find(index.revoked.begin(), index.revoked.end(), p.entry.id) !=
            index.revoked.end())
            result.errors.push_back(p.path + ": error: pack " + in_quotes(p.entry.id) +
                                    " is revoked in " + index_path +
                                    "; to publish it again, remove its <revoked> element there");
        // Same id and version, other bytes: machines could not tell the two apart (nor could
        // their audit logs), and a machine that has the old one refuses the new.
        for (const FeedPackEntry& before : previous_packs)
            if (before.id == p.entry.id && before.version == p.entry.version &&
                before.sha256 != p.entry.sha256)
                result.errors.push_back(
                    p.path + ": error: pack " + in_quotes(p.entry.id) +
                    " changed but its version " + std::to_string(p.entry.version) +
                    " did not (serial " + std::to_string(*result.previous) +
                    " published other content as version " + std::to_string(before.version) +
                    "): raise version=\"\" to " + std::to_string(before.version + 1) +
                    " or higher");
        index.packs.push_back(p.entry);
    }
    if (!result.errors.empty()) return result;
    const std::string text = write_feed_index(index);
    // What is written must read back: a check on this code, not on the input.
    if (FeedIndexParse check = parse_feed_index(text, index_path); !check.index) {
        result.errors = std::move(check.errors);
        return result;
    }
    if (const std::uint64_t limit = default_feed_config().max_index_bytes; text.size() > limit)
        result.warnings.push_back(index_path + ": warning: the index is " +
                                  std::to_string(text.size()) +
                                  " bytes: machines refuse an index over feed.max_index_bytes (" +
                                  std::to_string(limit) + " unless their config says more)");

    const std::string packs_dir = (fs::path(o.feed_dir) / "packs").string();
    fs::create_directories(packs_dir, ec);
    if (ec) return fail("cannot create " + packs_dir + ": " + ec.message());
    std::set<std::string> listed;
    for (const auto& p : packs.packs) {
        listed.insert(p.entry.file);
        const std::string target = (fs::path(packs_dir) / p.entry.file).string();
        std::string existing;
        if (fs::is_regular_file(fs::symlink_status(target, ec)) &&
            read_file_bounded(target, p.bytes.size(), existing) && existing == p.bytes)
            continue;  // content-addressed: the same name with the same bytes is already there
        if (Status written = write_published(target, p.bytes); !written)
            return fail(written.message());
        result.written.push_back(target);
    }
    if (Status written = write_published(index_path, text); !written)
        return fail(written.message());

    for (fs::directory_iterator it(packs_dir, ec), end; !ec && it != end; it.increment(ec))
        if (!listed.count(it->path().filename().string()))
            result.unlisted.push_back(it->path().string());
    std::sort(result.unlisted.begin(), result.unlisted.end());
    result.index = std::move(index);
    result.ok = true;
    return result;
}

FeedVerification verify_feed_directory(const std::string& dir,
                                       const std::vector<MinisignPublicKey>& keys,
                                       const FeedVerifyOptions& o) {
    FeedVerification v;
    const std::string index_path = (fs::path(dir) / "index.xml").string();
    const std::string sig_path = index_path + ".minisig";
    std::string text, signature;
    if (Status read = read_file_bounded(index_path, kMaxIndexBytes, text); !read) {
        v.errors.push_back(index_path + ": " + read.message());
        return v;
    }
    if (text.size() > kMaxIndexBytes) {
        v.errors.push_back(index_path + ": larger than " + std::to_string(kMaxIndexBytes) +
                           " bytes");
        return v;
    }
    if (Status read = read_file_bounded(sig_path, kMaxSignatureBytes, signature); !read) {
        v.errors.push_back(sig_path + ": " + read.message() + " (sign the index with minisign -S)");
        return v;
    }
    // The signature first: nothing of an unsigned index is parsed.
    const MinisignVerification sig = verify_minisign(text, signature, keys);
    v.key_id = sig.key_id;
    if (!sig.ok) {
        std::string hint;
        if (sig.error.rfind("signature does not match", 0) == 0)
            hint = " (index.xml changed after it was signed: if it was rebuilt, sign it again)";
        v.errors.push_back(sig_path + ": " + sig.error + hint);
        return v;
    }
    v.trusted_comment = sig.trusted_comment;
    FeedIndexParse parsed = parse_feed_index(text, index_path);
    if (!parsed.index) {
        v.errors = std::move(parsed.errors);
        return v;
    }
    const FeedIndex& index = *parsed.index;
    if (!o.repository.empty() && index.repository != o.repository)
        v.errors.push_back(index_path + ": the index is for repository " +
                           in_quotes(index.repository) + ", not " + in_quotes(o.repository));
    if (o.now >= index.expires)
        v.errors.push_back(index_path + ": the index expired at " +
                           format_feed_time(index.expires) + " (build and sign it again)");

    const PackLoadLimits limits;
    for (const auto& entry : index.packs) {
        // parse_feed_index already refused unsafe names; checked again because a path is built.
        if (!is_safe_feed_file_name(entry.file)) {
            v.errors.push_back(index_path + ": unsafe file name " + in_quotes(entry.file));
            continue;
        }
        const std::string path = (fs::path(dir) / "packs" / entry.file).string();
        std::error_code ec;
        if (!fs::is_regular_file(fs::status(path, ec))) {
            v.errors.push_back(path + ": missing (listed for pack " + in_quotes(entry.id) + ")");
            continue;
        }
        if (entry.size > limits.max_bytes) {
            v.errors.push_back(path + ": listed size " + std::to_string(entry.size) +
                               " is over the pack limit of " + std::to_string(limits.max_bytes));
            continue;
        }
        std::string bytes;
        if (Status read = read_file_bounded(path, limits.max_bytes, bytes); !read) {
            v.errors.push_back(path + ": " + read.message());
            continue;
        }
        if (bytes.size() != entry.size) {
            v.errors.push_back(path + ": size is " + std::to_string(bytes.size()) +
                               " bytes, the index says " + std::to_string(entry.size));
            continue;
        }
        if (const std::string sha = sha256_hex(bytes); sha != entry.sha256) {
            v.errors.push_back(path + ": SHA-256 is " + sha + ", the index says " + entry.sha256);
            continue;
        }
        const PackLoadResult loaded = load_pack_from_string(bytes, path, parent_dir(path));
        if (!loaded.pack) {
            for (const auto& p : loaded.problems)
                if (p.severity == PackProblem::Severity::error) v.errors.push_back(p.str());
            continue;
        }
        if (loaded.pack->id != entry.id)
            v.errors.push_back(path + ": the pack's id is " + in_quotes(loaded.pack->id) +
                               ", the index says " + in_quotes(entry.id));
        if (loaded.pack->version != entry.version)
            v.errors.push_back(path + ": the pack's version is " +
                               std::to_string(loaded.pack->version) + ", the index says " +
                               std::to_string(entry.version));
    }
    v.index = std::move(*parsed.index);
    return v;
}

}  // namespace fixtray
