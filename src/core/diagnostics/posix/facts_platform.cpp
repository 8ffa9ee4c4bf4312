// facts_platform.h for POSIX: Linux reads /proc, /sys, /etc and getifaddrs directly; where those
// are missing (macOS) the equivalent command runs instead.
#include "diagnostics/facts_platform.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "platform/process_runner.h"
#include "platform/read_file.h"

namespace fixtray::facts_platform {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t small_file = 256 * 1024;

bool read_small(const std::string& path, std::string& out) {
    return read_file_bounded(path, small_file, out).ok();
}

bool exists(const std::string& path) {
    std::error_code ec;
    return fs::exists(path, ec);
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string human_bytes(unsigned long long b) {
    static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string duration_text(double seconds) {
    const long long s = static_cast<long long>(seconds);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld days, %02lld:%02lld:%02lld", s / 86400, s % 86400 / 3600,
                  s % 3600 / 60, s % 60);
    return buf;
}

// Mount table entries: device, mount point, type (octal escapes like \040 decoded).
struct Mount {
    std::string device, point, type;
};

std::string unescape_mount(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() + 0 &&
            std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8)));
            i += 3;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// File systems whose statvfs may hang (a dead server) or that say nothing about disk space.
bool network_fs(const std::string& type) {
    static const std::set<std::string> net = {
        "nfs",       "nfs4", "cifs",  "smb3",       "smbfs",       "ceph",     "9p",
        "glusterfs", "afs",  "davfs", "fuse.sshfs", "fuse.rclone", "fuse.s3fs"};
    return net.count(type) > 0;
}
bool pseudo_fs(const std::string& type) {
    static const std::set<std::string> pseudo = {
        "proc",     "sysfs",    "devpts",      "cgroup",    "cgroup2",         "securityfs",
        "pstore",   "debugfs",  "tracefs",     "mqueue",    "hugetlbfs",       "configfs",
        "fusectl",  "bpf",      "binfmt_misc", "autofs",    "rpc_pipefs",      "nsfs",
        "efivarfs", "devtmpfs", "ramfs",       "selinuxfs", "fuse.gvfsd-fuse", "fuse.portal"};
    return pseudo.count(type) > 0;
}

std::string ipv4_hex(const std::string& hex) {
    // /proc/net/route holds addresses as host-order hex of the network-order bytes.
    const unsigned long v = std::strtoul(hex.c_str(), nullptr, 16);
    in_addr a{};
    a.s_addr = static_cast<in_addr_t>(v);
    char buf[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

int prefix_of_mask(const std::string& hex) {
    return __builtin_popcountl(std::strtoul(hex.c_str(), nullptr, 16));
}

std::string ipv6_hex(const std::string& hex) {
    in6_addr a{};
    for (int i = 0; i < 16 && 2 * i + 1 < static_cast<int>(hex.size()); ++i)
        a.s6_addr[i] = static_cast<unsigned char>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
    return buf;
}

}  // namespace

void os(DiagnosticResult& r, const RunCommand& run) {
    std::string release;
    if (!read_small("/etc/os-release", release) && !read_small("/usr/lib/os-release", release)) {
        if (find_program("sw_vers")) return run({"sw_vers"}, r);
    }
    std::ostringstream out;
    for (const auto& line : lines_of(release)) {
        if (line.rfind("PRETTY_NAME=", 0) == 0 || line.rfind("ID=", 0) == 0 ||
            line.rfind("VERSION_ID=", 0) == 0 || line.rfind("VERSION_CODENAME=", 0) == 0)
            out << line << "\n";
    }
    struct utsname u {};
    if (uname(&u) == 0)
        out << "kernel: " << u.sysname << " " << u.release << " " << u.version << " " << u.machine
            << "\n";
    r.content = out.str();
    r.exit_code = 0;
}

void uptime(DiagnosticResult& r, const RunCommand& run) {
    std::string up, load;
    if (!read_small("/proc/uptime", up)) return run({"uptime"}, r);
    read_small("/proc/loadavg", load);
    r.content = "up " + duration_text(std::strtod(up.c_str(), nullptr)) + "\n";
    if (!load.empty())
        r.content += "load average (1, 5, 15 min, runnable/total, last pid): " + load;
    r.exit_code = 0;
}

void disk(DiagnosticResult& r, const RunCommand& run) {
    std::string mounts;
    if (!read_small("/proc/self/mounts", mounts)) return run({"df", "-h"}, r);
    char line[512];
    std::snprintf(line, sizeof line, "%-28s %-10s %10s %10s %10s %5s  %s\n", "mounted on", "type",
                  "size", "used", "free", "use%", "device");
    std::string out = line;
    std::set<std::string> seen;
    for (const auto& l : lines_of(mounts)) {
        std::istringstream fields(l);
        Mount m;
        fields >> m.device >> m.point >> m.type;
        m.device = unescape_mount(m.device);
        m.point = unescape_mount(m.point);
        if (m.point.empty() || pseudo_fs(m.type) || !seen.insert(m.point).second) continue;
        if (network_fs(m.type)) {
            std::snprintf(line, sizeof line, "%-28s %-10s (network file system, not queried)  %s\n",
                          m.point.c_str(), m.type.c_str(), m.device.c_str());
            out += line;
            continue;
        }
        struct statvfs s {};
        if (statvfs(m.point.c_str(), &s) != 0 || s.f_blocks == 0) continue;
        const unsigned long long size = 1ull * s.f_blocks * s.f_frsize;
        const unsigned long long avail = 1ull * s.f_bavail * s.f_frsize;
        const unsigned long long used = size - 1ull * s.f_bfree * s.f_frsize;
        const int pct = static_cast<int>(100.0 * used / std::max(1ull, used + avail) + 0.5);
        std::snprintf(line, sizeof line, "%-28s %-10s %10s %10s %10s %4d%%  %s\n", m.point.c_str(),
                      m.type.c_str(), human_bytes(size).c_str(), human_bytes(used).c_str(),
                      human_bytes(avail).c_str(), pct, m.device.c_str());
        out += line;
    }
    r.content = out;
    r.exit_code = 0;
}

void memory(DiagnosticResult& r, const RunCommand& run) {
    std::string info;
    if (!read_small("/proc/meminfo", info)) {
        if (find_program("vm_stat")) return run({"vm_stat"}, r);
        r.error = "no /proc/meminfo";
        return;
    }
    r.content = info;
    r.exit_code = 0;
}

void network_interfaces(DiagnosticResult& r, const RunCommand& run) {
    std::error_code ec;
    fs::directory_iterator it("/sys/class/net", ec);
    if (ec) return run({"ifconfig", "-a"}, r);
    std::vector<std::string> names;
    for (; !ec && it != fs::directory_iterator(); it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    std::ostringstream out;
    for (const auto& name : names) {
        const std::string dir = "/sys/class/net/" + name + "/";
        auto attr = [&](const char* file) {
            std::string v;
            read_small(dir + file, v);
            return trim(v);
        };
        out << name << ": state " << attr("operstate") << ", carrier " << attr("carrier")
            << ", mtu " << attr("mtu") << ", mac " << attr("address");
        const std::string speed = attr("speed");
        if (!speed.empty() && speed != "-1") out << ", speed " << speed << " Mb/s";
        if (exists(dir + "wireless")) out << ", wireless";
        out << "\n  rx " << attr("statistics/rx_bytes") << " bytes, "
            << attr("statistics/rx_errors") << " errors, " << attr("statistics/rx_dropped")
            << " dropped; tx " << attr("statistics/tx_bytes") << " bytes, "
            << attr("statistics/tx_errors") << " errors, " << attr("statistics/tx_dropped")
            << " dropped\n";
    }
    r.content = out.str();
    r.exit_code = 0;
}

void network_addresses(DiagnosticResult& r, const RunCommand&) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        r.error = "getifaddrs failed";
        return;
    }
    std::ostringstream out;
    for (ifaddrs* a = list; a; a = a->ifa_next) {
        if (!a->ifa_addr) continue;
        const int family = a->ifa_addr->sa_family;
        if (family != AF_INET && family != AF_INET6) continue;
        char addr[INET6_ADDRSTRLEN] = {};
        int prefix = 0;
        if (family == AF_INET) {
            inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, addr,
                      sizeof addr);
            if (a->ifa_netmask)
                prefix = __builtin_popcount(
                    reinterpret_cast<sockaddr_in*>(a->ifa_netmask)->sin_addr.s_addr);
        } else {
            inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr, addr,
                      sizeof addr);
            if (a->ifa_netmask)
                for (unsigned char b :
                     reinterpret_cast<sockaddr_in6*>(a->ifa_netmask)->sin6_addr.s6_addr)
                    prefix += __builtin_popcount(b);
        }
        out << a->ifa_name << " " << (family == AF_INET ? "inet " : "inet6 ") << addr << "/"
            << prefix << ((a->ifa_flags & IFF_UP) ? " up" : " down")
            << ((a->ifa_flags & IFF_LOOPBACK) ? " loopback" : "") << "\n";
    }
    freeifaddrs(list);
    r.content = out.str();
    r.exit_code = 0;
}

void network_routes(DiagnosticResult& r, const RunCommand& run) {
    std::string v4, v6;
    if (!read_small("/proc/net/route", v4)) return run({"netstat", "-rn"}, r);
    read_small("/proc/net/ipv6_route", v6);
    std::ostringstream out;
    out << "IPv4 (destination/prefix via gateway dev metric)\n";
    const auto rows = lines_of(v4);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        std::istringstream f(rows[i]);
        std::string iface, dest, gw, flags, refcnt, use, metric, mask;
        if (!(f >> iface >> dest >> gw >> flags >> refcnt >> use >> metric >> mask)) continue;
        out << "  "
            << (dest == "00000000" && mask == "00000000"
                    ? std::string("default")
                    : ipv4_hex(dest) + "/" + std::to_string(prefix_of_mask(mask)))
            << " via " << ipv4_hex(gw) << " dev " << iface << " metric " << metric << "\n";
    }
    out << "IPv6 (destination/prefix via next hop dev metric)\n";
    for (const auto& row : lines_of(v6)) {
        std::istringstream f(row);
        std::string dest, dlen, src, slen, hop, metric, refcnt, use, flags, iface;
        if (!(f >> dest >> dlen >> src >> slen >> hop >> metric >> refcnt >> use >> flags >> iface))
            continue;
        if (iface == "lo" && dest != "00000000000000000000000000000001") continue;
        out << "  " << ipv6_hex(dest) << "/" << std::stoi(dlen, nullptr, 16) << " via "
            << ipv6_hex(hop) << " dev " << iface << " metric " << std::stoul(metric, nullptr, 16)
            << "\n";
    }
    r.content = out.str();
    r.exit_code = 0;
}

void dns_config(DiagnosticResult& r, const RunCommand& run) {
    std::string resolv;
    if (!read_small("/etc/resolv.conf", resolv)) {
        if (find_program("scutil")) return run({"scutil", "--dns"}, r);
        r.error = "cannot read /etc/resolv.conf";
        return;
    }
    std::ostringstream out;
    std::error_code ec;
    const auto target = fs::read_symlink("/etc/resolv.conf", ec);
    out << "/etc/resolv.conf" << (ec ? std::string() : " -> " + target.string()) << ":\n" << resolv;
    std::string upstream;
    if (read_small("/run/systemd/resolve/resolv.conf", upstream))
        out << "\n/run/systemd/resolve/resolv.conf (systemd-resolved's upstream servers):\n"
            << upstream;
    std::string nss;
    if (read_small("/etc/nsswitch.conf", nss))
        for (const auto& line : lines_of(nss))
            if (line.rfind("hosts:", 0) == 0) out << "\n/etc/nsswitch.conf: " << line << "\n";
    r.content = out.str();
    r.exit_code = 0;
}

void printers(DiagnosticResult& r, const RunCommand& run) {
    if (!find_program("lpstat")) {
        r.error = "CUPS is not installed (no lpstat)";
        return;
    }
    run({"env", "LC_ALL=C", "lpstat", "-t"}, r);
}

void recent_log(DiagnosticResult& r, const RunCommand& run, std::size_t lines,
                const std::vector<std::string>& log_files) {
    if (find_program("journalctl")) {
        run({"journalctl", "--no-pager", "-q", "-o", "short-iso", "-n", std::to_string(lines)}, r);
        const bool empty_journal =
            r.content.find("No journal files were found") != std::string::npos ||
            r.content.find("-- No entries --") != std::string::npos || trim(r.content).empty();
        if (r.error.empty() && !r.timed_out && r.exit_code == 0 && !empty_journal) return;
        if (r.timed_out || r.cancelled) return;
        if (empty_journal) r.content.clear();  // "No entries" is not a log
    }
    static const std::vector<std::string> usual = {"/var/log/syslog", "/var/log/messages",
                                                   "/var/log/system.log"};
    for (const std::string& path : log_files.empty() ? usual : log_files) {
        std::ifstream in(path, std::ios::binary);
        if (!in) continue;
        // The tail: read backwards in 64 KiB blocks until there are enough lines.
        in.seekg(0, std::ios::end);
        const std::streamoff size = in.tellg();
        std::streamoff start = size;
        std::string tail;
        while (start > 0 &&
               static_cast<std::size_t>(std::count(tail.begin(), tail.end(), '\n')) <= lines &&
               tail.size() < 4 * 1024 * 1024) {
            const std::streamoff block = std::min<std::streamoff>(65536, start);
            start -= block;
            std::string chunk(static_cast<std::size_t>(block), '\0');
            in.seekg(start);
            in.read(chunk.data(), block);
            tail.insert(0, chunk);
        }
        std::size_t cut = tail.size();
        for (std::size_t n = 0; cut > 0 && n <= lines;) {
            cut = tail.rfind('\n', cut - 1);
            if (cut == std::string::npos) {
                cut = 0;
                break;
            }
            ++n;
        }
        r.argv.clear();
        r.source = std::string("last ") + std::to_string(lines) + " lines of " + path;
        r.content = cut == 0 ? tail : tail.substr(cut + 1);
        r.error.clear();
        r.exit_code = 0;
        return;
    }
    if (r.error.empty() && r.content.empty()) r.error = "no system log found (journal or syslog)";
}

}  // namespace fixtray::facts_platform
