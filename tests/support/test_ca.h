// A certificate authority made by the test with the stock openssl tool, and server certificates
// it issues: valid for 127.0.0.1 and localhost, for another host name, or expired. For the https
// tests against a real nginx (tests/services/nginx.sh with NGINX_SH_TLS_CERT / NGINX_SH_TLS_KEY).
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>

#include "support/test_helpers.h"

namespace fixtray::test {

class TestCa {
public:
    struct Issued {
        std::filesystem::path cert, key;
    };

    TestCa() {
        namespace fs = std::filesystem;
        fs::create_directories(dir_.path() / "newcerts");
        write_file(dir_.path() / "index.txt", "");
        write_file(dir_.path() / "serial", "1000\n");
        write_file(
            dir_.path() / "ca.cnf",
            "[ca]\ndefault_ca = test\n[test]\ndatabase = " + (dir_.path() / "index.txt").string() +
                "\nnew_certs_dir = " + (dir_.path() / "newcerts").string() +
                "\nserial = " + (dir_.path() / "serial").string() +
                "\ndefault_md = sha256\npolicy = any\n"
                "unique_subject = no\n[any]\ncommonName = "
                "supplied\n");
        openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", (dir_.path() / "ca.key").string(), "-out", cert().string(),
                 "-days", "30", "-subj", "/CN=fixtray test CA", "-addext",
                 "basicConstraints=critical,CA:TRUE", "-addext",
                 "keyUsage=critical,keyCertSign,cRLSign"});
    }

    // The CA's certificate (PEM): what a ca_file option names.
    std::filesystem::path cert() const { return dir_.path() / "ca.pem"; }

    // A server certificate for `names` (subjectAltName entries such as "IP:127.0.0.1,
    // DNS:localhost"), valid from `from` to `until` seconds relative to now.
    Issued issue(const std::string& name, const std::string& names, long from = -86400,
                 long until = 30 * 86400) {
        const auto base = dir_.path() / name;
        Issued out{base.string() + ".pem", base.string() + ".key"};
        const std::string ext = base.string() + ".ext";
        write_file(ext, "subjectAltName = " + names +
                            "\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n");
        openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", out.key.string(), "-out", base.string() + ".csr", "-subj",
                 "/CN=" + name});
        openssl({"ca", "-batch", "-notext", "-config", (dir_.path() / "ca.cnf").string(), "-cert",
                 cert().string(), "-keyfile", (dir_.path() / "ca.key").string(), "-in",
                 base.string() + ".csr", "-out", out.cert.string(), "-startdate", when(from),
                 "-enddate", when(until), "-extfile", ext});
        return out;
    }

private:
    static std::string when(long offset_seconds) {
        const std::time_t t = std::time(nullptr) + offset_seconds;
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y%m%d%H%M%SZ", &tm);
        return buf;
    }
    static void openssl(std::vector<std::string> args) {
        args.insert(args.begin(), "openssl");
        const auto r = run_command(args);
        INFO(r.out << r.err);
        REQUIRE_MESSAGE(r.exit_code == 0, "openssl failed (apt-get install openssl)");
    }

    TempDir dir_;
};

}  // namespace fixtray::test
