// The default diagnostics set (fixes/diagnostics/PLATFORM.diag.xml) and the item list for a
// failed fix: default set + the fix's own items, variables expanded.
#include <filesystem>
#include <pugixml.hpp>
#include <set>
#include <string>

#include "diagnostics/diagnostics.h"
#include "packs/variables.h"
#include "platform/platform_paths.h"
#include "platform/read_file.h"

namespace fixtray {
namespace {

constexpr std::size_t max_set_bytes = 1024 * 1024;

struct SetParser {
    std::string_view text;  // the buffer pugixml parsed in place: names point into it
    const std::string& file;
    DiagnosticsSet& out;

    template <class Node>
    std::ptrdiff_t off(const Node& n) const {
        const char* name = n.name();
        if (name < text.data() || name > text.data() + text.size()) return 0;
        return name - text.data();
    }

    void error(std::ptrdiff_t offset, const std::string& message) {
        PackProblem p;
        p.where = location_of(text, offset < 0 ? 0 : static_cast<std::size_t>(offset), file);
        p.message = message;
        out.problems.push_back(std::move(p));
    }

    // Local name, without a namespace prefix.
    static std::string_view local(const char* name) {
        std::string_view n(name);
        const auto colon = n.find(':');
        return colon == std::string_view::npos ? n : n.substr(colon + 1);
    }

    void parse(const pugi::xml_node root) {
        if (local(root.name()) != "diagnostics") {
            error(off(root),
                  "the root element must be <diagnostics>, not <" + std::string(root.name()) + ">");
            return;
        }
        std::set<std::string> names;
        for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
            if (c.type() != pugi::node_element) continue;
            DiagnosticItem item;
            const std::string_view kind = local(c.name());
            for (pugi::xml_attribute a = c.first_attribute(); a; a = a.next_attribute()) {
                const std::string_view an(a.name());
                if (an != "name" && !(kind == "file" && an == "path"))
                    error(off(a), "unknown attribute \"" + std::string(an) + "\" on <" +
                                      std::string(kind) + ">");
            }
            item.name = c.attribute("name").value();
            if (item.name.empty()) {
                error(off(c), "<" + std::string(kind) + "> needs a \"name\"");
                continue;
            }
            if (!names.insert(item.name).second)
                error(off(c.attribute("name")), "the name \"" + item.name + "\" is used twice");
            if (kind == "command") {
                item.kind = DiagnosticItem::Kind::command;
                for (pugi::xml_node a = c.first_child(); a; a = a.next_sibling()) {
                    if (a.type() != pugi::node_element) continue;
                    if (local(a.name()) != "arg") {
                        error(off(a), "unknown element <" + std::string(a.name()) +
                                          "> in <command>: expected <arg>");
                        continue;
                    }
                    item.argv.emplace_back(a.text().get());
                }
                if (item.argv.empty() || item.argv.front().empty())
                    error(off(c), "<command> needs at least one <arg>: the program to run");
            } else if (kind == "file") {
                item.kind = DiagnosticItem::Kind::file;
                item.path = c.attribute("path").value();
                if (item.path.empty())
                    error(off(c), "<file> needs a \"path\"");
                else if (item.path.front() != '/' && item.path.front() != '$' &&
                         !(item.path.size() > 2 && item.path[1] == ':'))
                    error(off(c.attribute("path")),
                          "path must be absolute or start with a ${variable}");
            } else if (kind == "fact") {
                item.kind = DiagnosticItem::Kind::fact;
                item.fact = item.name;
                if (!is_known_fact(item.fact))
                    error(off(c.attribute("name")), "unknown fact \"" + item.fact + "\"");
            } else {
                error(off(c), "unknown element <" + std::string(c.name()) +
                                  "> in <diagnostics>: expected <command>, <file> or <fact>");
                continue;
            }
            out.items.push_back(std::move(item));
        }
    }
};

}  // namespace

DiagnosticsSet parse_diagnostics_set(std::string_view xml, const std::string& file) {
    DiagnosticsSet set;
    pugi::xml_document doc;
    std::string buffer(xml);  // parsed in place, so that names point into it (for positions)
    const pugi::xml_parse_result parsed = doc.load_buffer_inplace(
        buffer.data(), buffer.size(), pugi::parse_default, pugi::encoding_utf8);
    SetParser parser{buffer, file, set};
    if (!parsed) {
        parser.error(parsed.offset, std::string("not well-formed XML: ") + parsed.description());
        return set;
    }
    parser.parse(doc.document_element());
    if (!set.problems.empty()) set.items.clear();
    return set;
}

DiagnosticsSet load_diagnostics_set(const std::string& path) {
    std::string text;
    if (Status read = read_file_bounded(path, max_set_bytes, text); !read) {
        DiagnosticsSet set;
        PackProblem p;
        p.where.file = path;
        p.message = read.message();
        set.problems.push_back(std::move(p));
        return set;
    }
    if (text.size() > max_set_bytes) {
        DiagnosticsSet set;
        PackProblem p;
        p.where.file = path;
        p.message = "larger than 1 MiB";
        set.problems.push_back(std::move(p));
        return set;
    }
    return parse_diagnostics_set(text, path);
}

std::string default_diagnostics_file(Platform platform) {
    for (const auto& dir : builtin_pack_dirs()) {
        const std::string path =
            dir + "/diagnostics/" + std::string(to_string(platform)) + ".diag.xml";
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) return path;
    }
    return {};
}

DiagnosticsSet load_default_diagnostics(Platform platform) {
    const std::string path = default_diagnostics_file(platform);
    if (!path.empty()) return load_diagnostics_set(path);
    DiagnosticsSet set;
    PackProblem p;
    p.where.file = std::string("diagnostics/") + to_string(platform) + ".diag.xml";
    p.message = "no default diagnostics set is installed";
    set.problems.push_back(std::move(p));
    return set;
}

std::vector<DiagnosticItem> diagnostic_items_for(const DiagnosticsSet& defaults, const Fix* fix,
                                                 const Variables& vars,
                                                 std::vector<std::string>* problems) {
    std::vector<DiagnosticItem> out;
    std::set<std::string> names;
    auto same = [](const DiagnosticItem& a, const DiagnosticItem& b) {
        return a.kind == b.kind && a.argv == b.argv && a.path == b.path && a.fact == b.fact;
    };
    auto add = [&](const DiagnosticItem& item) {
        DiagnosticItem e = item;
        if (names.count(e.name)) {
            for (const auto& o : out)
                if (o.name == e.name && same(o, e)) return;  // the default set has it already
            for (int n = 2; names.count(e.name); ++n) e.name = item.name + "-" + std::to_string(n);
        }
        names.insert(e.name);
        Status expanded_all;
        auto expand = [&](std::string& field) {
            if (!expanded_all) return;
            Result<std::string> expanded = vars.expand(field);
            if (expanded)
                field = std::move(expanded).value();
            else
                expanded_all = expanded.status();
        };
        for (auto& a : e.argv) expand(a);
        if (!e.path.empty()) expand(e.path);
        if (!expanded_all) {
            if (problems)
                problems->push_back("diagnostics item \"" + item.name +
                                    "\": " + expanded_all.message());
            return;
        }
        out.push_back(std::move(e));
    };
    for (const auto& item : defaults.items) add(item);
    if (fix)
        for (const auto& item : fix->diagnostics) add(item);
    return out;
}

}  // namespace fixtray
