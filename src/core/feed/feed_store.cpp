#include "feed/feed_store.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "feed/feed_index.h"
#include "feed/minisign.h"
#include "platform/delete_platform.h"
#include "platform/read_file.h"
#include "platform/trusted_path.h"

namespace fixtray {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxIndexOnDisk = 64u << 20;
constexpr std::size_t kMaxSignatureOnDisk = 4096;

enum class Kind { directory, file };

// One entry of the store, seen without following a link: missing (ok when optional), or a real
// directory / regular file owned by root and not writable by group or others.
Status check_entry(const std::string& path, Kind kind, bool optional) {
    const Result<EntryInfo> st = inspect_entry(path);
    if (!st) return Status::error(path + ": " + st.message());
    if (st->type == EntryInfo::Type::missing) {
        if (optional) return {};
        return Status::error(path + ": " + std::strerror(ENOENT));
    }
    if (st->type == EntryInfo::Type::symlink) return Status::error(path + " is a symbolic link");
    if (kind == Kind::directory && st->type != EntryInfo::Type::directory)
        return Status::error(path + " is not a directory");
    if (kind == Kind::file && st->type != EntryInfo::Type::file)
        return Status::error(path + " is not a regular file");
    if (!st->root_owned) return Status::error(path + " is not owned by root");
    if (st->others_may_write) return Status::error(path + " is writable by users other than root");
    return {};
}

bool is_generation_name(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.size() > 128) return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            return false;
    return true;
}

// Removes the entry `name` of `dir` and, for a real directory, everything below it, never
// following a link (a link is removed, its target stays).
void remove_entry(delete_platform::Directory& dir, const std::string& name, int depth) {
    delete_platform::Entry entry;
    std::string error;
    if (dir.inspect(name, entry, error) != delete_platform::Outcome::ok) return;
    if (!entry.is_directory) {
        dir.remove(name, error);
        return;
    }
    if (depth > 16) return;  // a generation is two levels deep; nothing legitimate is deeper
    std::unique_ptr<delete_platform::Directory> sub;
    if (dir.enter(name, entry, sub, error) != delete_platform::Outcome::ok) return;
    std::vector<std::string> names;
    if (sub->list(names, error) == delete_platform::Outcome::ok)
        for (const auto& child : names) remove_entry(*sub, child, depth + 1);
    sub.reset();
    dir.remove_empty_directory(name);
}

}  // namespace

std::string installed_generation(const std::string& state_dir) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(fs::path(state_dir) / "current", ec);
    if (ec) return {};
    if (target.parent_path() != "generations") return {};
    const std::string name = target.filename().string();
    return is_generation_name(name) ? name : std::string();
}

Status check_feed_store(const std::string& state_dir) {
    if (const auto top = inspect_entry(state_dir); top && top->type == EntryInfo::Type::missing)
        return {};
    if (Status owned = check_root_owned(state_dir); !owned) return owned;
    if (Status s = check_entry(state_dir + "/generations", Kind::directory, true); !s) return s;
    if (Status s = check_entry(state_dir + "/state.json", Kind::file, true); !s) return s;
    if (Status s = check_entry(state_dir + "/lock", Kind::file, true); !s) return s;

    const std::string current = state_dir + "/current";
    const Result<EntryInfo> link = inspect_entry(current);
    if (!link) return Status::error(current + ": " + link.message());
    if (link->type == EntryInfo::Type::missing) return {};
    if (link->type != EntryInfo::Type::symlink)
        return Status::error(current + " is not a symbolic link into generations/");
    if (!link->root_owned) return Status::error(current + " is not owned by root");
    const std::string gen = installed_generation(state_dir);
    if (gen.empty()) {
        std::error_code ec;
        return Status::error(current + " points to " + fs::read_symlink(current, ec).string() +
                             ", not to a generation under generations/");
    }
    const std::string gen_dir = state_dir + "/generations/" + gen;
    if (Status s = check_entry(gen_dir, Kind::directory, false); !s) return s;
    if (Status s = check_entry(gen_dir + "/packs", Kind::directory, false); !s) return s;
    if (Status s = check_entry(gen_dir + "/index.xml", Kind::file, false); !s) return s;
    if (Status s = check_entry(gen_dir + "/index.xml.minisig", Kind::file, false); !s) return s;
    return {};
}

bool apply_installed_index(std::string_view bytes, const std::string& path, FeedState* s) {
    auto parsed = parse_feed_index(bytes, path);
    if (!parsed.index) return false;
    s->repository = parsed.index->repository;
    s->serial = parsed.index->serial;
    s->index_sha256 = sha256_hex(bytes);
    s->generated = parsed.index->generated;
    s->expires = parsed.index->expires;
    s->packs.clear();
    for (const auto& p : parsed.index->packs)
        s->packs.push_back({p.id, p.version, p.file, p.sha256, p.size});
    s->revoked = parsed.index->revoked;
    s->announcements = parsed.index->announcements;
    return true;
}

FeedState read_installed_feed(const FeedConfig& config, std::string* state_error) {
    const std::string& dir = config.state_dir;
    if (Status store = check_feed_store(dir); !store) {
        FeedState none;
        none.trust_problem = "the feed store " + dir + " is not used: " + store.message() +
                             " (it must be root's and closed to other users; remove it and "
                             "run `sudo fixctl feed sync --now` to fetch the feed again)";
        return none;
    }
    FeedState s = read_feed_state(dir, state_error);
    if (s.generation.empty()) return s;

    const std::string gen_dir = dir + "/generations/" + s.generation;
    std::string index, signature;
    Status read = read_file_bounded(gen_dir + "/index.xml", kMaxIndexOnDisk, index);
    if (read)
        read = read_file_bounded(gen_dir + "/index.xml.minisig", kMaxSignatureOnDisk, signature);
    const std::string what = "the installed feed index (" +
                             (s.repository.empty() ? std::string("?") : s.repository) +
                             ", serial " + std::to_string(s.serial) + ")";
    // Until the signature holds, nothing of the index is shown (its revocations still apply).
    s.announcements.clear();
    if (!read) {
        s.trust_problem = what + " cannot be read: " + read.message();
        return s;
    }
    std::vector<std::string> key_problems;
    const auto keys = load_trusted_keys(config.keys_dir, &key_problems);
    const MinisignVerification verified = verify_minisign(index, signature, keys);
    if (!verified.ok) {
        s.trust_problem = what + " does not verify with the keys trusted now (" + config.keys_dir +
                          "): " + verified.error +
                          "; its packs are not offered until a sync installs an index signed by "
                          "a trusted key (its revocations still apply)";
        return s;
    }
    // The bytes just verified are the truth, whatever read_feed_state saw a moment before.
    if (!apply_installed_index(index, gen_dir + "/index.xml", &s)) {
        s.trust_problem = what + " is not a valid feed index";
        s.packs.clear();
        s.announcements.clear();
        return s;
    }
    s.index_verified = true;
    s.packs_dir = gen_dir + "/packs";
    return s;
}

Status make_store_dir(const std::string& dir, unsigned mode) {
    const Result<bool> created = make_directory(dir, mode);
    if (!created) return Status::error("cannot create " + dir + ": " + created.message());
    const Result<EntryInfo> st = inspect_entry(dir);
    if (!st) return Status::error("cannot create " + dir + ": " + st.message());
    if (st->type == EntryInfo::Type::missing)
        return Status::error("cannot create " + dir + ": " + std::strerror(ENOENT));
    if (st->type == EntryInfo::Type::symlink) return Status::error(dir + " is a symbolic link");
    if (st->type != EntryInfo::Type::directory) return Status::error(dir + " is not a directory");
    // Exactly `mode`, whatever the umask was (mkdir applies it). An existing directory is left
    // as it is: check_feed_store judges it.
    if (*created && st->mode != mode)
        if (Status s = set_mode(dir, mode); !s)
            return Status::error("cannot set the mode of " + dir + ": " + s.message());
    return {};
}

Status make_store_dirs(const std::string& dir) {
    fs::path built;
    for (const auto& part : fs::path(dir).lexically_normal()) {
        built /= part;
        if (part == built.root_path() || part.empty()) continue;
        if (Status s = make_store_dir(built.string(), 0755); !s) return s;
    }
    return {};
}

void remove_old_generations(const std::string& state_dir, const std::string& keep) {
    auto root = delete_platform::open_root(state_dir + "/generations");
    if (root.status == delete_platform::OpenedRoot::Status::ok) {
        std::vector<std::string> names;
        std::string error;
        if (root.dir->list(names, error) == delete_platform::Outcome::ok)
            for (const auto& name : names)
                if (name != keep) remove_entry(*root.dir, name, 0);
    }
    auto top = delete_platform::open_root(state_dir);
    if (top.status != delete_platform::OpenedRoot::Status::ok) return;
    std::vector<std::string> names;
    std::string error;
    if (top.dir->list(names, error) != delete_platform::Outcome::ok) return;
    for (const auto& name : names)
        if (name.rfind("current.new-", 0) == 0) top.dir->remove(name, error);
}

}  // namespace fixtray
