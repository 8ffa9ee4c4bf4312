// fixctl announcements, and the announcements other commands show (list, run, escalate) or check
// (validate, pack lint: a feed's announcements.xml).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/announcements.h"
#include "base/i18n.h"
#include "base/json_text.h"
#include "base/visible_text.h"
#include "commands.h"
#include "feed/feed_index.h"
#include "platform/read_file.h"

namespace fixtray::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Each line of `text` after `indent`.
std::string indented(const std::string& text, const std::string& indent) {
    std::string out = indent;
    for (const char c : text) {
        out += c;
        if (c == '\n') out += indent;
    }
    return out;
}

}  // namespace

json announcement_json(const AnnouncementView& a) {
    json fixes = json::array();
    for (const AnnouncedFix& f : a.fixes) fixes.push_back({{"id", f.id}, {"title", f.title}});
    return {{"id", a.id},
            {"title", a.title},
            {"title_lang", a.title_lang},
            {"text", a.text},
            {"text_lang", a.text_lang},
            {"expires", format_feed_time(a.expires)},
            {"fixes", std::move(fixes)}};
}

int cmd_announcements(const GlobalOptions& g, bool as_json) {
    const MachineCatalog machine = load_machine_catalog(g);
    const auto all = current_announcements(machine, std::chrono::system_clock::now(), g.lang);
    if (as_json) {
        json out = json::array();
        for (const AnnouncementView& a : all) out.push_back(announcement_json(a));
        std::cout << dump_json(out, 2) << "\n";
        return kOk;
    }
    if (all.empty()) {
        // TRANSLATORS: `fixctl announcements` when IT announced nothing that is current.
        std::printf("%s\n", tr("No announcements from IT."));
        return kOk;
    }
    bool first = true;
    for (const AnnouncementView& a : all) {
        if (!first) std::printf("\n");
        first = false;
        // TRANSLATORS: `fixctl announcements`, the first line of one: its title, then "until
        // TIME" (translated on its own).
        std::printf(
            "%s\n",
            visible_text(trf("%1$s (%2$s)", {a.title, announcement_until_text(a)}), false).c_str());
        std::printf("%s\n", indented(visible_text(a.text), "  ").c_str());
        if (!a.fixes.empty()) {
            std::string fixes;
            for (const AnnouncedFix& f : a.fixes)
                // TRANSLATORS: a fix an announcement concerns: its title, its id.
                fixes += (fixes.empty() ? "" : ", ") + trf("%1$s (%2$s)", {f.title, f.id});
            // TRANSLATORS: `fixctl announcements`: the fixes an announcement is about.
            std::printf("  %s\n", visible_text(trf("Concerns: %s", {fixes}), false).c_str());
        }
    }
    return kOk;
}

void print_announcements_header(const MachineCatalog& machine, const std::string& lang) {
    const std::size_t n =
        current_announcements(machine, std::chrono::system_clock::now(), lang).size();
    if (n == 0) return;
    // TRANSLATORS: `fixctl list`, the first line when IT has announcements; `fixctl
    // announcements` is the command that shows them: keep it.
    std::printf("%s\n\n",
                trfn("IT has %s announcement: fixctl announcements",
                     "IT has %s announcements: fixctl announcements", n, {std::to_string(n)})
                    .c_str());
}

void print_known_issues(const MachineCatalog& machine, const std::string& fix_id,
                        const std::string& lang, std::chrono::system_clock::time_point now,
                        std::FILE* out) {
    for (const AnnouncementView& a : announcements_for_fix(machine, fix_id, now, lang))
        std::fprintf(out, "%s\n", visible_text(known_issue_notice(a)).c_str());
    std::fflush(out);
}

std::string announcements_file_for(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec)) {
        const fs::path file = p / kAnnouncementsFileName;
        return fs::exists(fs::symlink_status(file, ec)) ? file.string() : std::string();
    }
    return p.filename() == kAnnouncementsFileName ? path : std::string();
}

AnnouncementsFileParse check_announcements_file(const std::string& file) {
    std::string text;
    if (Status read = read_file_bounded(file, kMaxAnnouncementsFileBytes, text); !read) {
        AnnouncementsFileParse failed;
        failed.problems.push_back(
            {AnnouncementProblem::Severity::error, SourceLocation{file, 0, 0}, read.message()});
        return failed;
    }
    return parse_announcements_file(text, file);
}

}  // namespace fixtray::cli
