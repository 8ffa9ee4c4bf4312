// minisign signatures made by the stock minisign tool, checked by verify_minisign.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feed/minisign.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

const std::string kMinisign = "/usr/bin/minisign";

// A key pair made with `minisign -G` (no password) in `dir`, named NAME.pub / NAME.key.
MinisignPublicKey make_key(const TempDir& dir, const std::string& name) {
    const auto r = run_command(
        {kMinisign, "-G", "-W", "-p", dir / (name + ".pub"), "-s", dir / (name + ".key")});
    INFO(r.error << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    auto key = parse_minisign_public_key(read_file(dir / (name + ".pub")), name + ".pub");
    INFO(key.message());
    REQUIRE(key.ok());
    return *key;
}

// Signs `file` with minisign; extra arguments such as "-l" go before the file.
std::string sign(const TempDir& dir, const std::string& key, const std::string& file,
                 const std::string& comment, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{kMinisign, "-S", "-s", dir / (key + ".key"), "-t", comment};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("-m");
    argv.push_back(file);
    const auto r = run_command(argv);
    INFO(r.error << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return read_file(file + ".minisig");
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("minisign: a signature by the stock tool verifies and yields its trusted comment") {
    // Scenario: the help desk signs index.xml with minisign -S; the client checks it.
    TempDir dir;
    const auto key = make_key(dir, "k");
    const std::string data = "<feed/>\nsome bytes\n";
    write_file(dir.path() / "index.xml", data);
    const std::string sig = sign(dir, "k", dir / "index.xml", "com.example.helpdesk serial 7");
    const auto v = verify_minisign(data, sig, {key});
    INFO(v.error);
    CHECK(v.ok);
    CHECK(v.error.empty());
    CHECK(v.trusted_comment == "com.example.helpdesk serial 7");
    CHECK(v.key_id == key_id_hex(key.key_id));
    // minisign prints the same id in the .pub file's untrusted comment.
    CHECK(contains(read_file(dir.path() / "k.pub"), v.key_id));
}

TEST_CASE("minisign: changed data does not verify") {
    // Scenario: one byte of the signed file is changed on the server.
    TempDir dir;
    const auto key = make_key(dir, "k");
    std::string data = "hello world\n";
    write_file(dir.path() / "f", data);
    const std::string sig = sign(dir, "k", dir / "f", "c");
    data[0] = 'H';
    const auto v = verify_minisign(data, sig, {key});
    CHECK_FALSE(v.ok);
    CHECK(contains(v.error, "signature does not match the data"));
    CHECK(v.trusted_comment.empty());
    CHECK(!verify_minisign("", sig, {key}).ok);
}

TEST_CASE("minisign: a changed trusted comment is detected") {
    // Scenario: an attacker edits "serial 7" into "serial 9" in the .minisig file.
    TempDir dir;
    const auto key = make_key(dir, "k");
    const std::string data = "data";
    write_file(dir.path() / "f", data);
    std::string sig = sign(dir, "k", dir / "f", "serial 7");
    const auto at = sig.find("serial 7");
    REQUIRE(at != std::string::npos);
    sig.replace(at, 8, "serial 9");
    const auto v = verify_minisign(data, sig, {key});
    CHECK_FALSE(v.ok);
    CHECK(contains(v.error, "trusted comment was tampered with"));
}

TEST_CASE("minisign: a signature by another key names both key ids") {
    // Scenario: the index was signed with a key the client does not trust.
    TempDir dir;
    const auto trusted = make_key(dir, "trusted");
    const auto other = make_key(dir, "other");
    write_file(dir.path() / "f", "data");
    const std::string sig = sign(dir, "other", dir / "f", "c");
    const auto v = verify_minisign("data", sig, {trusted});
    CHECK_FALSE(v.ok);
    CHECK(v.key_id == key_id_hex(other.key_id));
    CHECK(
        contains(v.error, "signed with key " + key_id_hex(other.key_id) + " which is not trusted"));
    CHECK(contains(v.error, "trusted: " + key_id_hex(trusted.key_id)));
    const auto none = verify_minisign("data", sig, {});
    CHECK(contains(none.error, "trusted: none"));
}

TEST_CASE("minisign: the legacy non-prehashed form is refused") {
    // Scenario: someone signs with `minisign -S -l` (legacy "Ed" signatures).
    TempDir dir;
    const auto key = make_key(dir, "k");
    write_file(dir.path() / "f", "data");
    const std::string sig = sign(dir, "k", dir / "f", "c", {"-l"});
    const auto v = verify_minisign("data", sig, {key});
    CHECK_FALSE(v.ok);
    CHECK(contains(v.error, "legacy non-prehashed"));
    CHECK(contains(v.error, "minisign 0.8"));
}

TEST_CASE("minisign: garbage, unsigned, empty and oversize signature text is refused") {
    // Scenario: index.xml.minisig is missing content, is an HTML error page, or is huge.
    TempDir dir;
    const auto key = make_key(dir, "k");
    write_file(dir.path() / "f", "data");
    const std::string good = sign(dir, "k", dir / "f", "c");
    CHECK(contains(verify_minisign("data", "", {key}).error, "empty"));
    CHECK(contains(verify_minisign("data", "<html>404</html>", {key}).error,
                   "not a minisign signature: line 1"));
    CHECK(contains(verify_minisign("data", "untrusted comment: x\n!!!notbase64\n", {key}).error,
                   "not a minisign signature"));
    CHECK(contains(
        verify_minisign("data", "untrusted comment: x\n!!!notbase64\ntrusted comment: y\nAAAA\n",
                        {key})
            .error,
        "not a minisign signature: line 2"));
    // Line 4 (the global signature) cut short.
    std::string cut = good.substr(0, good.rfind("trusted comment:"));
    cut += "trusted comment: c\nAAAA\n";
    CHECK(contains(verify_minisign("data", cut, {key}).error, "line 4"));
    // The public key is not a signature.
    CHECK_FALSE(verify_minisign("data", read_file(dir.path() / "k.pub"), {key}).ok);
    const auto big = verify_minisign("data", good + std::string(5000, '\n'), {key});
    CHECK(contains(big.error, "4096"));
    // CRLF line ends (a file edited on Windows) still verify.
    std::string crlf;
    for (char c : good) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    CHECK(verify_minisign("data", crlf, {key}).ok);
}

TEST_CASE("minisign: public keys as .pub files or bare base64 lines") {
    // Scenario: the key comes from a .pub file or from `minisign -P KEY` on a command line.
    TempDir dir;
    const auto key = make_key(dir, "k");
    const std::string text = read_file(dir.path() / "k.pub");
    const std::string line = text.substr(text.find('\n') + 1);
    const auto bare = parse_minisign_public_key(line, "arg");
    REQUIRE(bare.ok());
    CHECK(bare->key == key.key);
    CHECK(bare->key_id == key.key_id);
    CHECK(bare->source == "arg");
    CHECK_FALSE(parse_minisign_public_key("", "x"));
    const auto bad = parse_minisign_public_key("untrusted comment: a\nAAAA\n", "x.pub");
    CHECK_FALSE(bad);
    CHECK(contains(bad.message(), "x.pub"));
    CHECK_FALSE(parse_minisign_public_key("one\ntwo\nthree\n", "x"));
    CHECK(key_id_hex({0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}) == "EFCDAB8967452301");
    CHECK(key_id_hex({0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0x0e}) ==
          "ECDAB8967452301");  // as minisign: no leading zero
}

TEST_CASE("minisign: trusted keys from a root-owned directory, several for a key change") {
    // Scenario: /etc/fixtray/keys holds the old and the new key while the help desk rotates.
    TempDir dir;
    const auto old_key = make_key(dir, "old");
    const auto new_key = make_key(dir, "new");
    const std::string keys = dir / "keys";
    write_file(keys + "/a-old.pub", read_file(dir.path() / "old.pub"));
    write_file(keys + "/b-new.pub", read_file(dir.path() / "new.pub"));
    write_file(keys + "/notes.txt", "not a key");
    std::vector<std::string> problems;
    const auto loaded = load_trusted_keys(keys, &problems);
    // notes.txt is not a key: both keys load, and the file is named with the reason.
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == keys +
                             "/notes.txt is ignored: only *.pub files (from `minisign -G`) are "
                             "trusted keys");
    REQUIRE(loaded.size() == 2);
    CHECK(loaded[0].key_id == old_key.key_id);
    CHECK(loaded[1].key_id == new_key.key_id);
    CHECK(loaded[0].source == keys + "/a-old.pub");

    write_file(dir.path() / "f", "data");
    const std::string by_old = sign(dir, "old", dir / "f", "c");
    CHECK(verify_minisign("data", by_old, loaded).ok);
    const std::string by_new = sign(dir, "new", dir / "f", "c");
    CHECK(verify_minisign("data", by_new, loaded).ok);
    // Once the old key is removed, its signatures are refused.
    CHECK_FALSE(verify_minisign("data", by_old, {loaded[1]}).ok);
}

TEST_CASE("minisign: keys in a directory or file not owned by root are not trusted") {
    // Scenario: a user drops a key of their own into the keys directory, or owns the directory.
    TempDir dir;
    make_key(dir, "k");
    const std::string keys = dir / "keys";
    write_file(keys + "/good.pub", read_file(dir.path() / "k.pub"));
    write_file(keys + "/user.pub", read_file(dir.path() / "k.pub"));
    write_file(keys + "/broken.pub", "untrusted comment: x\nnot a key\n");
    REQUIRE(::chown((keys + "/user.pub").c_str(), 65534, 65534) == 0);
    std::vector<std::string> problems;
    auto loaded = load_trusted_keys(keys, &problems);
    CHECK(loaded.size() == 1);
    REQUIRE(problems.size() == 2);
    CHECK(contains(problems[0], "broken.pub"));
    CHECK(contains(problems[1], "user.pub"));
    CHECK(contains(problems[1], "not owned by root"));

    REQUIRE(::chown(keys.c_str(), 65534, 65534) == 0);
    problems.clear();
    loaded = load_trusted_keys(keys, &problems);
    CHECK(loaded.empty());
    REQUIRE(problems.size() == 1);
    CHECK(contains(problems[0], "not owned by root"));

    problems.clear();
    CHECK(load_trusted_keys(dir / "missing", &problems).empty());
    CHECK(problems.size() == 1);
}

TEST_CASE("minisign: sha256_hex") {
    // Scenario: the hash of a pack as written in the index (known test vectors).
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
