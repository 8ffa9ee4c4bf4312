// The diagnostics bundle on libarchive: gzip-compressed POSIX tar (pax restricted).
#include "diagnostics/bundle.h"

#include <archive.h>
#include <archive_entry.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "engine/run_record.h"
#include "packs/fix_pack.h"

#ifndef FIXTRAY_VERSION
#define FIXTRAY_VERSION "unknown"
#endif

namespace fixtray {
namespace {

namespace fs = std::filesystem;

constexpr const char* manifest_name = "manifest.json";
constexpr std::uint64_t max_unpacked = 64ull * 1024 * 1024;

using Files = std::vector<std::pair<std::string, std::string>>;  // name, bytes

const char* kind_name(DiagnosticItem::Kind k) {
    switch (k) {
        case DiagnosticItem::Kind::command:
            return "command";
        case DiagnosticItem::Kind::file:
            return "file";
        case DiagnosticItem::Kind::fact:
            return "fact";
    }
    return "?";
}

std::string mib(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buf;
}

bool safe_entry_name(const std::string& name) {
    if (name.empty() || name.size() > 128 || name.front() == '.') return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            return false;
    return true;
}

// Writes the files as a tar.gz to a temporary file beside `path`, checks the cap, renames.
// The bundle's size.
Result<std::uint64_t> write_archive(const std::string& path, const Files& files,
                                    std::uint64_t max_bytes) {
    const fs::path target(path);
    const fs::path tmp = target.parent_path() / (target.filename().string() + ".tmp");
    std::error_code ec;
    {
        // Create it private before libarchive opens it: the bundle is not redacted of
        // everything a person might consider private.
        std::ofstream create(tmp, std::ios::binary | std::ios::trunc);
        if (!create) return Status::error("cannot create " + tmp.string());
    }
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, ec);

    archive* a = archive_write_new();
    std::string error;
    auto fail = [&](const char* what) {
        if (error.empty())
            error = std::string(what) + ": " +
                    (archive_error_string(a) ? archive_error_string(a) : "libarchive error");
    };
    if (archive_write_add_filter_gzip(a) != ARCHIVE_OK) fail("gzip");
    if (error.empty() && archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) fail("tar");
    if (error.empty() && archive_write_open_filename(a, tmp.string().c_str()) != ARCHIVE_OK)
        fail("cannot write the bundle");
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    for (const auto& [name, bytes] : files) {
        if (!error.empty()) break;
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(bytes.size()));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, now, 0);
        if (archive_write_header(a, e) != ARCHIVE_OK)
            fail("cannot write the bundle");
        else if (!bytes.empty() && archive_write_data(a, bytes.data(), bytes.size()) !=
                                       static_cast<la_ssize_t>(bytes.size()))
            fail("cannot write the bundle");
        archive_entry_free(e);
    }
    if (archive_write_close(a) != ARCHIVE_OK) fail("cannot write the bundle");
    archive_write_free(a);
    const std::uint64_t size = error.empty() ? fs::file_size(tmp, ec) : 0;
    if (error.empty() && ec) error = "cannot read the size of " + tmp.string();
    if (error.empty() && size > max_bytes)
        error = "the diagnostics bundle would be " + mib(size) + ", over the size cap of " +
                mib(max_bytes) + " (" + std::to_string(max_bytes) +
                " bytes); leave out large items or raise the cap";
    if (error.empty()) {
        fs::rename(tmp, target, ec);
        if (ec) error = "cannot move the bundle into place: " + ec.message();
    }
    if (!error.empty()) {
        fs::remove(tmp, ec);
        return Status::error(error);
    }
    return size;
}

struct Reader {
    archive* a = archive_read_new();
    Reader() {
        archive_read_support_filter_gzip(a);
        archive_read_support_format_tar(a);
    }
    ~Reader() { archive_read_free(a); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    Status error(const char* what) const {
        const char* why = archive_error_string(a);
        return Status::error(std::string(what) + (why ? std::string(": ") + why : std::string()));
    }
};

// Visits every entry: visit(name, size, read, stop) where read(max, out) reads the entry's data.
// The first failure (of the archive, or returned by visit) ends the walk.
template <class Visit>
Status each_entry(const std::string& path, Visit visit) {
    Reader r;
    if (archive_read_open_filename(r.a, path.c_str(), 65536) != ARCHIVE_OK)
        return r.error("cannot open the bundle");
    std::uint64_t total = 0;
    std::set<std::string> seen;
    for (;;) {
        archive_entry* e = nullptr;
        const int rc = archive_read_next_header(r.a, &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK) return r.error("not a readable bundle");
        const char* raw = archive_entry_pathname(e);
        const std::string name = raw ? raw : "";
        if (archive_entry_filetype(e) != AE_IFREG || !safe_entry_name(name))
            return Status::error("not a fixtray bundle: unexpected entry \"" + name + "\"");
        if (!seen.insert(name).second)
            return Status::error("not a fixtray bundle: \"" + name + "\" twice");
        const std::uint64_t size =
            archive_entry_size_is_set(e) ? static_cast<std::uint64_t>(archive_entry_size(e)) : 0;
        total += size;
        if (total > max_unpacked)
            return Status::error("not a fixtray bundle: more than 64 MiB unpacked");
        auto read = [&](std::uint64_t max, std::string& out) -> Status {
            if (size > max)
                return Status::error("\"" + name + "\" is larger than " + std::to_string(max) +
                                     " bytes");
            out.resize(static_cast<std::size_t>(size));
            std::size_t got = 0;
            while (got < out.size()) {
                const la_ssize_t n = archive_read_data(r.a, out.data() + got, out.size() - got);
                if (n < 0) return r.error("cannot read the bundle");
                if (n == 0) break;
                got += static_cast<std::size_t>(n);
            }
            out.resize(got);
            return {};
        };
        bool stop = false;
        if (Status visited = visit(name, size, read, stop); !visited) return visited;
        if (stop) break;
    }
    return {};
}

std::string unique_file_name(const std::string& item_name, std::set<std::string>& used) {
    std::string name = bundle_file_name(item_name);
    const std::string stem = name.substr(0, name.size() - 4);
    for (int n = 2; used.count(name); ++n) name = stem + "-" + std::to_string(n) + ".txt";
    used.insert(name);
    return name;
}

}  // namespace

std::string bundle_file_name(const std::string& item_name) {
    std::string out;
    for (char c : item_name) {
        if (out.size() >= 64) break;
        const bool ok =
            std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        out.push_back(ok ? c : '_');
    }
    while (!out.empty() && out.front() == '.') out.erase(0, 1);
    if (out.empty()) out = "item";
    return out + ".txt";
}

Result<BundleWritten> write_bundle(const DiagnosticsReport& report, const std::string& path,
                                   const BundleOptions& options) {
    Redactor redactor(options.redaction);
    if (!redactor.problems().empty()) return Status::error(redactor.problems().front());
    Files files;
    files.emplace_back(manifest_name, std::string());
    std::set<std::string> used{manifest_name};
    nlohmann::json items = nlohmann::json::array();
    RedactionCounts totals;
    for (const auto& item : report.items) {
        // The item's counts are for its content; argv, paths and messages are redacted too
        // and count in the bundle's totals only.
        RedactionCounts counts;
        auto clean = [&](std::string s) {
            totals += redactor.redact(s);
            return s;
        };
        std::string content = item.content;
        if (auto doc = nlohmann::json::parse(item.json ? content : std::string(), nullptr, false);
            item.json && !doc.is_discarded()) {
            counts += redactor.redact_json(doc);
            content = doc.dump(2) + "\n";
        } else {
            counts += redactor.redact(content);
        }
        nlohmann::json argv = nlohmann::json::array();
        for (const auto& a : item.argv) argv.push_back(clean(a));
        const std::string name = clean(item.name);
        nlohmann::json j = {{"name", name},
                            {"kind", kind_name(item.kind)},
                            {"source", clean(item.source)},
                            {"argv", argv},
                            {"exit_code", item.exit_code},
                            {"duration_ms", item.duration.count()},
                            {"truncated", item.truncated},
                            {"timed_out", item.timed_out},
                            {"cancelled", item.cancelled},
                            {"refused", item.refused},
                            {"error", clean(item.error)},
                            {"bytes", content.size()},
                            {"removed", false}};
        if (!item.refused && (!content.empty() || item.error.empty())) {
            const std::string file = unique_file_name(name, used);
            j["file"] = file;
            files.emplace_back(file, std::move(content));
        } else {
            j["file"] = nullptr;
        }
        j["redactions"] = to_json(counts);
        totals += counts;
        items.push_back(std::move(j));
    }
    nlohmann::json manifest = {{"format", "fixtray-diagnostics"},
                               {"format_version", 1},
                               {"fixtray_version", FIXTRAY_VERSION},
                               {"created", format_time_utc(std::chrono::system_clock::now())},
                               {"collection_started", format_time_utc(report.started)},
                               {"collection_duration_ms", report.duration.count()},
                               {"cancelled", report.cancelled},
                               {"platform", to_string(current_platform())},
                               {"fix_id", options.fix_id},
                               {"run_id", options.run_id},
                               {"pseudonymised", options.redaction.pseudonymise},
                               {"redactions", to_json(totals)},
                               {"items", std::move(items)}};
    files.front().second = manifest.dump(2) + "\n";
    Result<std::uint64_t> size = write_archive(path, files, options.max_bytes);
    if (!size) return size.status();
    BundleWritten written;
    written.size = *size;
    written.manifest = std::move(manifest);
    written.pseudonyms = redactor.pseudonyms();
    return written;
}

Result<BundleContents> read_bundle(const std::string& path) {
    BundleContents c;
    Status walked = each_entry(
        path, [&](const std::string& name, std::uint64_t size, auto& read, bool&) -> Status {
            c.entries.push_back({name, size});
            if (name != manifest_name) return {};
            std::string text;
            if (Status s = read(4 * 1024 * 1024, text); !s) return s;
            c.manifest = nlohmann::json::parse(text, nullptr, false);
            if (c.manifest.is_discarded() || !c.manifest.is_object())
                return Status::error("not a fixtray bundle: manifest.json is not a JSON object");
            return {};
        });
    if (!walked) return walked;
    if (c.manifest.is_null()) return Status::error("not a fixtray bundle: no manifest.json");
    return c;
}

Result<std::string> read_bundle_entry(const std::string& path, const std::string& entry_name,
                                      std::uint64_t max_bytes) {
    bool found = false;
    std::string content;
    Status walked = each_entry(
        path, [&](const std::string& name, std::uint64_t, auto& read, bool& stop) -> Status {
            if (name != entry_name) return {};
            found = stop = true;
            return read(max_bytes, content);
        });
    if (!walked) return walked;
    if (!found) return Status::error("no entry \"" + entry_name + "\" in the bundle");
    return content;
}

Status remove_bundle_entry(const std::string& path, const std::string& entry_name) {
    if (entry_name == manifest_name) return Status::error("manifest.json cannot be removed");
    Files files;
    bool found = false;
    Status walked =
        each_entry(path, [&](const std::string& name, std::uint64_t, auto& read, bool&) -> Status {
            if (name == entry_name) {
                found = true;
                return {};
            }
            files.emplace_back(name, std::string());
            return read(max_unpacked, files.back().second);
        });
    if (!walked) return walked;
    if (!found) return Status::error("no entry \"" + entry_name + "\" in the bundle");
    if (files.empty() || files.front().first != manifest_name)
        return Status::error("not a fixtray bundle: manifest.json is not the first entry");
    auto manifest = nlohmann::json::parse(files.front().second, nullptr, false);
    if (manifest.is_discarded() || !manifest.contains("items") || !manifest["items"].is_array())
        return Status::error("not a fixtray bundle: manifest.json has no item list");
    for (auto& item : manifest["items"]) {
        if (item.value("file", nlohmann::json()) == entry_name) {
            item["file"] = nullptr;
            item["removed"] = true;
        }
    }
    files.front().second = manifest.dump(2) + "\n";
    return write_archive(path, files, max_unpacked).status();
}

}  // namespace fixtray
