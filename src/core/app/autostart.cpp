#include "app/autostart.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "platform/durable_file.h"
#include "platform/read_file.h"

namespace fixtray {

namespace {

// The [Desktop Entry] keys that decide whether an entry starts anything. Hand-written on
// purpose: the format is key=value lines, and only these two keys are read.
struct EntryState {
    bool exists = false;
    bool enabled = false;
};

EntryState read_entry(const std::string& path) {
    EntryState e;
    std::string text;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return e;
    if (!read_file_bounded(path, 64 * 1024, text)) return e;
    e.exists = true;
    e.enabled = true;
    bool in_entry = false;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (!line.empty() && line.front() == '[') {
            in_entry = line == "[Desktop Entry]";
            continue;
        }
        if (!in_entry) continue;
        if (line == "Hidden=true" || line == "X-GNOME-Autostart-enabled=false") e.enabled = false;
    }
    return e;
}

// A desktop entry's Exec value: arguments are separated by spaces, and a path with a space,
// quote or other reserved character is quoted with its backslashes and quotes escaped.
std::string exec_value(const std::string& program) {
    bool plain = !program.empty();
    for (char c : program)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '-' ||
              c == '_' || c == '+'))
            plain = false;
    if (plain) return program;
    std::string out = "\"";
    for (char c : program) {
        // In the file, a quoted argument's \" is written \\" (the string escape comes first),
        // and a backslash is four of them.
        if (c == '\\') {
            out += "\\\\\\\\";
            continue;
        }
        if (c == '"' || c == '`' || c == '$') out += "\\\\";
        if (c == '%') {
            out += "%%";
            continue;
        }
        if (c == '\n' || c == '\r') continue;
        out += c;
    }
    return out + "\"";
}

Status remove_user_entry(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (ec) return Status::error("cannot remove " + path + ": " + ec.message());
    return {};
}

}  // namespace

AutostartPaths autostart_paths(const std::string& user_config_dir) {
    AutostartPaths p;
    p.user_file = user_config_dir + "/autostart/fixtray.desktop";
    const char* dirs = std::getenv("XDG_CONFIG_DIRS");
    std::string_view list = dirs && *dirs ? dirs : "/etc/xdg";
    while (!list.empty()) {
        const auto colon = list.find(':');
        const std::string_view dir = list.substr(0, colon);
        if (!dir.empty() && dir.front() == '/')  // relative entries are ignored, as the spec says
            p.system_files.push_back(std::string(dir) + "/autostart/fixtray.desktop");
        if (colon == std::string_view::npos) break;
        list.remove_prefix(colon + 1);
    }
    return p;
}

bool starts_at_login(const AutostartPaths& paths) {
    if (const EntryState user = read_entry(paths.user_file); user.exists) return user.enabled;
    for (const auto& f : paths.system_files)
        if (const EntryState e = read_entry(f); e.exists) return e.enabled;
    return false;
}

Status set_start_at_login(const AutostartPaths& paths, bool on, const std::string& exec) {
    bool machine_starts = false;
    for (const auto& f : paths.system_files)
        if (const EntryState e = read_entry(f); e.exists) {
            machine_starts = e.enabled;
            break;
        }
    if (on == machine_starts) return remove_user_entry(paths.user_file);
    const std::string dir = paths.user_file.substr(0, paths.user_file.rfind('/'));
    if (Status s = make_private_dirs(dir); !s) return s;
    std::string text =
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=fixtray\n"
        "Comment=Written by fixtray's settings (start at login)\n";
    if (on)
        text += "Exec=" + exec_value(exec) +
                "\nIcon=fixtray\nTerminal=false\nNoDisplay=true\nX-GNOME-Autostart-enabled=true\n";
    else
        text += "Exec=true\nHidden=true\n";
    return write_file_atomic(paths.user_file, text);
}

}  // namespace fixtray
