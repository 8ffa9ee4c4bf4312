// fixctl feed build / verify end to end, signed with the stock minisign tool.
#include <doctest/doctest.h>

#include <filesystem>

#include "feed/feed_build.h"
#include "feed/feed_index.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

const std::string kMinisign = "/usr/bin/minisign";

// A valid pack with the given id and version.
std::string pack_text(const std::string& id, int version) {
    std::string text = pack_with_fix("<steps><run><arg>true</arg></run></steps>");
    const auto at = text.find("org.example.test");
    text.replace(at, 16, id);
    const auto v = text.find("version=\"1\"");
    text.replace(v, 11, "version=\"" + std::to_string(version) + "\"");
    return text;
}

void make_key(const TempDir& dir) {
    const auto r = run_command({kMinisign, "-G", "-W", "-p", dir / "k.pub", "-s", dir / "k.key"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
}

void sign_index(const TempDir& dir, const std::string& feed, const std::string& comment) {
    const auto r = run_command(
        {kMinisign, "-S", "-s", dir / "k.key", "-m", feed + "/index.xml", "-t", comment});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

FeedIndex read_index(const std::string& feed) {
    const auto parsed = parse_feed_index(read_file(feed + "/index.xml"), "index.xml");
    REQUIRE(parsed.index);
    return *parsed.index;
}

}  // namespace

TEST_CASE("fixctl feed build, sign with minisign, feed verify: a valid feed") {
    // Scenario: a help desk publishes two packs, signs the index and checks the result.
    TempDir dir;
    make_key(dir);
    const std::string feed = dir / "feed";
    write_file(dir.path() / "packs/vpn.xml", pack_text("com.example.vpn", 3));
    write_file(dir.path() / "packs/sub/printer.xml", pack_text("com.example.printer", 1));

    const auto built = run_fixctl(
        {"feed", "build", dir / "packs", "--out", feed, "--repository", "com.example.helpdesk"});
    INFO(built.out << built.err);
    REQUIRE(built.exit_code == 0);
    CHECK(contains(built.out, "serial 1"));
    CHECK(contains(built.out, "minisign -S -s KEYFILE -m " + feed +
                                  "/index.xml -t \"com.example.helpdesk serial 1\""));
    const FeedIndex index = read_index(feed);
    CHECK(index.repository == "com.example.helpdesk");
    CHECK(index.serial == 1);
    CHECK(index.expires - index.generated == std::chrono::hours(24 * 30));
    REQUIRE(index.packs.size() == 2);
    CHECK(index.packs[0].id == "com.example.printer");
    CHECK(index.packs[1].id == "com.example.vpn");
    CHECK(index.packs[1].version == 3);
    // The exact bytes, under the content-addressed name.
    CHECK(read_file(feed + "/packs/" + index.packs[1].file) ==
          read_file(dir.path() / "packs/vpn.xml"));
    CHECK(index.packs[1].file == feed_pack_file_name("com.example.vpn", index.packs[1].sha256));
    const auto perms = std::filesystem::status(feed + "/index.xml").permissions();
    CHECK((perms & std::filesystem::perms::others_read) != std::filesystem::perms::none);

    // Unsigned: refused before anything else.
    auto v = run_fixctl({"feed", "verify", feed, "--key", dir / "k.pub"});
    CHECK(v.exit_code == 1);
    CHECK(contains(v.err, "index.xml.minisig"));

    sign_index(dir, feed, "com.example.helpdesk serial 1");
    v = run_fixctl(
        {"feed", "verify", feed, "--key", dir / "k.pub", "--repository", "com.example.helpdesk"});
    INFO(v.out << v.err);
    CHECK(v.exit_code == 0);
    CHECK(contains(v.out, "valid feed com.example.helpdesk serial 1"));
    CHECK(contains(v.out, "com.example.helpdesk serial 1"));

    // Another repository is refused.
    v = run_fixctl(
        {"feed", "verify", feed, "--key", dir / "k.pub", "--repository", "com.example.other"});
    CHECK(v.exit_code == 1);
    CHECK(contains(v.err, "com.example.other"));
    // A key file that is not a key is bad usage.
    write_file(dir.path() / "bad.pub", "hello\n");
    CHECK(run_fixctl({"feed", "verify", feed, "--key", dir / "bad.pub"}).exit_code == 2);
}

TEST_CASE("fixctl feed verify: a changed pack byte or index byte is found") {
    // Scenario: a pack on the server is modified after signing; then the index too.
    TempDir dir;
    make_key(dir);
    const std::string feed = dir / "feed";
    write_file(dir.path() / "packs/vpn.xml", pack_text("com.example.vpn", 3));
    REQUIRE(run_fixctl({"feed", "build", dir / "packs", "--out", feed, "--repository",
                        "com.example.helpdesk"})
                .exit_code == 0);
    sign_index(dir, feed, "com.example.helpdesk serial 1");
    const FeedIndex index = read_index(feed);
    const std::string pack_path = feed + "/packs/" + index.packs[0].file;

    std::string bytes = read_file(pack_path);
    bytes[bytes.find("Test fix")] = 'B';  // same size, still a valid pack
    write_file(pack_path, bytes);
    auto v = run_fixctl({"feed", "verify", feed, "--key", dir / "k.pub"});
    INFO(v.out << v.err);
    CHECK(v.exit_code == 1);
    CHECK(contains(v.err, pack_path + ": SHA-256 is"));
    CHECK(contains(v.err, "NOT a valid feed"));

    std::filesystem::remove(pack_path);
    v = run_fixctl({"feed", "verify", feed, "--key", dir / "k.pub"});
    CHECK(v.exit_code == 1);
    CHECK(contains(v.err, pack_path + ": missing"));

    std::string text = read_file(feed + "/index.xml");
    text[text.find("serial=\"1\"") + 8] = '2';
    write_file(feed + "/index.xml", text);
    v = run_fixctl({"feed", "verify", feed, "--key", dir / "k.pub"});
    CHECK(v.exit_code == 1);
    CHECK(contains(v.err, "signature does not match the data"));
}

TEST_CASE("fixctl feed build: the serial goes up with every build") {
    // Scenario: the help desk rebuilds the feed after changing a pack.
    TempDir dir;
    const std::string feed = dir / "feed";
    write_file(dir.path() / "packs/vpn.xml", pack_text("com.example.vpn", 3));
    REQUIRE(run_fixctl({"feed", "build", dir / "packs", "--out", feed, "--repository",
                        "com.example.helpdesk"})
                .exit_code == 0);
    const std::string old_file = read_index(feed).packs[0].file;

    write_file(dir.path() / "packs/vpn.xml", pack_text("com.example.vpn", 4));
    // The repository comes from the existing index.
    auto r = run_fixctl({"feed", "build", dir / "packs", "--out", feed});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "serial 2 (was 1)"));
    FeedIndex index = read_index(feed);
    CHECK(index.serial == 2);
    CHECK(index.packs[0].version == 4);
    // The old pack file stays for clients in the middle of a sync.
    CHECK(std::filesystem::exists(feed + "/packs/" + old_file));
    CHECK(index.packs[0].file != old_file);

    r = run_fixctl({"feed", "build", dir / "packs", "--out", feed, "--serial", "2"});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "must be greater than 2"));
    r = run_fixctl({"feed", "build", dir / "packs", "--out", feed, "--serial", "10"});
    CHECK(r.exit_code == 0);
    CHECK(read_index(feed).serial == 10);

    // A revocation added by hand is kept by the next build.
    std::string text = read_file(feed + "/index.xml");
    text.insert(text.find("</feed>"), "  <revoked id=\"com.example.old\"/>\n");
    write_file(feed + "/index.xml", text);
    REQUIRE(run_fixctl({"feed", "build", dir / "packs", "--out", feed}).exit_code == 0);
    CHECK(read_index(feed).revoked == std::vector<std::string>{"com.example.old"});
    CHECK(read_index(feed).serial == 11);
    // Publishing a revoked pack again needs the revocation removed first.
    write_file(dir.path() / "packs/old.xml", pack_text("com.example.old", 1));
    r = run_fixctl({"feed", "build", dir / "packs", "--out", feed});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "pack \"com.example.old\" is revoked"));
    CHECK(read_index(feed).serial == 11);
    std::filesystem::remove(dir.path() / "packs/old.xml");
    r = run_fixctl(
        {"feed", "build", dir / "packs", "--out", feed, "--repository", "com.example.other"});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "com.example.helpdesk"));
    CHECK(read_index(feed).serial == 11);
}

TEST_CASE(
    "fixctl feed build: invalid packs, duplicate ids, no repository or a feed inside the packs "
    "write nothing") {
    // Scenario: a broken pack, two packs with one id, a first build without --repository, --out
    // inside the pack folder.
    TempDir dir;
    const std::string feed = dir / "feed";
    write_file(dir.path() / "packs/vpn.xml", pack_text("com.example.vpn", 3));

    auto r = run_fixctl({"feed", "build", dir / "packs", "--out", feed});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "--repository"));
    CHECK_FALSE(std::filesystem::exists(feed));

    write_file(dir.path() / "packs/bad.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.bad\" version=\"1\">\n"
               "  <fix id=\"b\" platforms=\"linux\"><title>B</title>\n"
               "    <steps><run timeout=\"soon\"><arg>true</arg></run></steps></fix>\n"
               "</fixpack>\n");
    r = run_fixctl(
        {"feed", "build", dir / "packs", "--out", feed, "--repository", "com.example.helpdesk"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, dir / "packs/bad.xml" + ":3:17: error: bad duration"));
    CHECK(contains(r.err, "nothing written"));
    CHECK_FALSE(std::filesystem::exists(feed));

    r = run_fixctl({"feed", "build", dir / "packs", "--out", dir / "packs/feed", "--repository",
                    "com.example.helpdesk"});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "is inside the pack folder"));

    std::filesystem::remove(dir.path() / "packs/bad.xml");
    write_file(dir.path() / "packs/copy.xml", pack_text("com.example.vpn", 5));
    r = run_fixctl(
        {"feed", "build", dir / "packs", "--out", feed, "--repository", "com.example.helpdesk"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "pack id \"com.example.vpn\" is also used by"));
    CHECK_FALSE(std::filesystem::exists(feed));
}

TEST_CASE("fixctl feed: --help describes the feed tools") {
    // Scenario: a help desk admin looks up how to publish packs.
    const auto build = run_fixctl({"feed", "build", "--help"});
    CHECK(build.exit_code == 0);
    CHECK(contains(build.out, "Feed tools"));
    CHECK(contains(build.out, "minisign"));
    const auto verify = run_fixctl({"feed", "verify", "--help"});
    CHECK(verify.exit_code == 0);
    CHECK(contains(verify.out, "Feed tools"));
    CHECK(run_fixctl({"feed"}).exit_code == 2);
}

TEST_CASE("feed verify: an expired index, a pack that does not match its entry, two keys") {
    // Scenario: the index was not rebuilt in time, and an entry was hand-edited and re-signed.
    TempDir dir;
    make_key(dir);
    const std::string feed = dir / "feed";
    write_file(dir.path() / "packs/vpn.xml", pack_text("com.example.vpn", 3));
    FeedBuildOptions o;
    o.packs_dir = dir / "packs";
    o.feed_dir = feed;
    o.repository = "com.example.helpdesk";
    o.expires_days = 1;
    o.now = std::chrono::system_clock::now() - std::chrono::hours(48);
    const FeedBuildResult built = build_feed(o);
    REQUIRE(built.ok);
    std::string text = read_file(feed + "/index.xml");
    text.replace(text.find("version=\"3\""), 11, "version=\"4\"");
    write_file(feed + "/index.xml", text);
    sign_index(dir, feed, "com.example.helpdesk serial 1");

    // The signing key and an unrelated one (as during a key change).
    const auto other =
        run_command({kMinisign, "-G", "-W", "-p", dir / "other.pub", "-s", dir / "other.key"});
    REQUIRE(other.exit_code == 0);
    std::vector<MinisignPublicKey> keys;
    for (const std::string name : {"other.pub", "k.pub"}) {
        auto key = parse_minisign_public_key(read_file(dir.path() / name), name);
        REQUIRE(key);
        keys.push_back(*key);
    }
    const FeedVerification v = verify_feed_directory(feed, keys);
    REQUIRE(v.errors.size() == 2);
    CHECK(contains(v.errors[0], "the index expired at"));
    CHECK(contains(v.errors[1], "the pack's version is 3, the index says 4"));
    CHECK(v.key_id == key_id_hex(keys[1].key_id));
    CHECK(v.trusted_comment == "com.example.helpdesk serial 1");

    // Only the other key: refused, naming the signing key.
    const FeedVerification wrong = verify_feed_directory(feed, {keys[0]});
    REQUIRE(wrong.errors.size() == 1);
    CHECK(contains(wrong.errors[0], "which is not trusted"));
    CHECK_FALSE(wrong.index);
}
