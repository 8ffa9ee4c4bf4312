// ChangeWatcher (app/notifications.h): a poll-based watcher tells its observers, on the polling
// thread, when the catalog, the feed status or the outbox changed, and only then.
#include <doctest/doctest.h>

#include <thread>

#include "app/notifications.h"
#include "base/time_text.h"
#include "support/test_helpers.h"
#include "support/test_machine.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::system_clock;

namespace {

struct Recorder : AppObserver {
    std::vector<CatalogChange> catalog;
    std::vector<std::string> feed;  // "serial expired?"
    std::vector<OutboxChange> outbox;
    std::vector<std::thread::id> threads;

    void catalog_changed(const MachineCatalog&, const CatalogChange& change) override {
        catalog.push_back(change);
        threads.push_back(std::this_thread::get_id());
    }
    void feed_status_changed(const FeedState& state, bool expired) override {
        feed.push_back(std::to_string(state.serial) + (expired ? " expired" : ""));
        threads.push_back(std::this_thread::get_id());
    }
    void outbox_changed(const OutboxChange& change) override {
        outbox.push_back(change);
        threads.push_back(std::this_thread::get_id());
    }
    std::size_t calls() const { return catalog.size() + feed.size() + outbox.size(); }
};

SupportRequest request() {
    SupportRequest r;
    r.id = new_uuid();
    r.created = system_clock::now();
    r.subject = "It did not work";
    r.description = "details";
    r.user = "alice";
    r.host = "pc-1";
    return r;
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("change watcher: nothing changed, no callback") {
    // Scenario: a machine with packs, a feed and an outbox entry, polled twice without changes.
    TestMachine m;
    TempDir state;
    m.builtin("b.xml", simple_pack("org.example.b", "b", "b"));
    m.install_feed({{"f.xml", simple_pack("org.example.f", "f", "f")}}, 1,
                   system_clock::now() + hours(1));
    REQUIRE(Outbox(state / "outbox").add(request(), {}));
    MachineCatalog catalog(m.paths, CatalogOptions{});
    ChangeWatcher watcher(catalog, state / "outbox");
    Recorder r;
    watcher.subscribe(&r);
    watcher.poll();
    watcher.poll();
    CHECK(r.calls() == 0);
}

TEST_CASE("change watcher: a new feed generation changes the feed status and the catalog") {
    // Scenario: the feed timer installs serial 2 (fix "f" changes, "g" is new), then a pack
    // file appears in /etc/fixtray/packs, then one is removed; each poll reports exactly that,
    // on the polling thread.
    TestMachine m;
    m.builtin("b.xml", simple_pack("org.example.b", "b", "b"));
    m.install_feed({{"f.xml", simple_pack("org.example.f", "f", "f one")}}, 1,
                   system_clock::now() + hours(1));
    MachineCatalog catalog(m.paths, CatalogOptions{});
    ChangeWatcher watcher(catalog, "");
    Recorder r;
    watcher.subscribe(&r);

    m.install_feed({{"f.xml", simple_pack("org.example.f", "f", "f two", 2)},
                    {"g.xml", simple_pack("org.example.g", "g", "g")}},
                   2, system_clock::now() + hours(1));
    watcher.poll();
    CHECK(r.feed == Ids{"2"});
    REQUIRE(r.catalog.size() == 1);
    CHECK(r.catalog[0].added == Ids{"g"});
    CHECK(r.catalog[0].changed == Ids{"f"});
    CHECK(r.catalog[0].removed.empty());
    CHECK(catalog.catalog().find("f", Platform::linux)->fix->title.get("en") == "f two");

    m.machine_pack("m.xml", simple_pack("org.example.m", "m", "m"));
    watcher.poll();
    REQUIRE(r.catalog.size() == 2);
    CHECK(r.catalog[1].added == Ids{"m"});
    CHECK(r.feed.size() == 1);  // the feed did not change

    fs::remove(fs::path(m.paths.builtin_pack_dirs[0]) / "b.xml");
    watcher.poll();
    REQUIRE(r.catalog.size() == 3);
    CHECK(r.catalog[2].removed == Ids{"b"});

    for (const auto& id : r.threads) CHECK(id == std::this_thread::get_id());
}

TEST_CASE("change watcher: a config change that moves no fix is told, with an empty change") {
    // Scenario: IT turns escalation off in the machine's config. No offered fix is added,
    // removed or changed, but a front end must learn of it (the tray then hides "Get help from
    // IT..." and its delivery stops using the old ticket system). Before, the catalog reloaded
    // without a word and the tray kept the old settings until the next change of fixes.
    TestMachine m;
    m.builtin("b.xml", simple_pack("org.example.b", "b", "b"));
    MachineCatalog catalog(m.paths, CatalogOptions{});
    ChangeWatcher watcher(catalog, "");
    Recorder r;
    watcher.subscribe(&r);
    watcher.poll();
    CHECK(r.catalog.empty());

    m.config({{"escalation", {{"policy", "off"}}}});
    watcher.poll();
    REQUIRE(r.catalog.size() == 1);
    CHECK(r.catalog[0].empty());
    watcher.poll();
    CHECK(r.catalog.size() == 1);  // once
}

TEST_CASE("change watcher: the feed expiring is a feed status change") {
    // Scenario: the installed index expires between two polls, with no file changing.
    TestMachine m;
    const auto expires = m.install_feed({{"f.xml", simple_pack("org.example.f", "f", "f")}}, 4,
                                        system_clock::now() + std::chrono::milliseconds(1500));
    MachineCatalog catalog(m.paths, CatalogOptions{});
    ChangeWatcher watcher(catalog, "");
    Recorder r;
    watcher.subscribe(&r);
    watcher.poll();
    CHECK(r.feed.empty());
    std::this_thread::sleep_until(expires + std::chrono::milliseconds(100));
    watcher.poll();
    CHECK(r.feed == Ids{"4 expired"});
    CHECK(catalog.feed_expired());
}

TEST_CASE("change watcher: outbox entries added, changed and removed") {
    // Scenario: a request is queued, a delivery attempt rewrites its status, then it is removed.
    TestMachine m;
    TempDir state;
    Outbox outbox(state / "outbox");
    MachineCatalog catalog(m.paths, CatalogOptions{});
    ChangeWatcher watcher(catalog, outbox.dir());
    Recorder r;
    watcher.subscribe(&r);

    const SupportRequest req = request();
    REQUIRE(outbox.add(req, {}));
    watcher.poll();
    REQUIRE(r.outbox.size() == 1);
    CHECK(r.outbox[0].added == Ids{req.id});
    REQUIRE(r.outbox[0].entries.size() == 1);
    CHECK(r.outbox[0].entries[0].status.state == DeliveryState::pending);

    auto entry = outbox.get(req.id);
    REQUIRE(entry);
    DeliveryStatus status = entry->status;
    status.state = DeliveryState::delivered;
    status.attempts = 1;
    status.ticket_id = "42";
    REQUIRE(outbox.write_status(req.id, status));
    watcher.poll();
    REQUIRE(r.outbox.size() == 2);
    CHECK(r.outbox[1].changed == Ids{req.id});
    CHECK(r.outbox[1].entries[0].status.ticket_id == "42");

    REQUIRE(outbox.remove(req.id));
    watcher.poll();
    REQUIRE(r.outbox.size() == 3);
    CHECK(r.outbox[2].removed == Ids{req.id});
    CHECK(r.outbox[2].entries.empty());
    CHECK(r.catalog.empty());
    CHECK(r.feed.empty());
}

TEST_CASE("change watcher: an observer may unsubscribe itself inside a callback") {
    // Scenario: the first observer unsubscribes itself on its first callback; the second keeps
    // receiving. Neither is called after unsubscribing.
    TestMachine m;
    TempDir state;
    Outbox outbox(state / "outbox");
    MachineCatalog catalog(m.paths, CatalogOptions{});
    ChangeWatcher watcher(catalog, outbox.dir());
    struct Once : Recorder {
        ChangeWatcher* watcher = nullptr;
        void outbox_changed(const OutboxChange& change) override {
            Recorder::outbox_changed(change);
            watcher->unsubscribe(this);
        }
    } once;
    once.watcher = &watcher;
    Recorder always;
    watcher.subscribe(&once);
    watcher.subscribe(&always);
    watcher.subscribe(&always);  // twice is once

    REQUIRE(outbox.add(request(), {}));
    watcher.poll();
    REQUIRE(outbox.add(request(), {}));
    watcher.poll();
    CHECK(once.outbox.size() == 1);
    CHECK(always.outbox.size() == 2);
    watcher.unsubscribe(&always);
    REQUIRE(outbox.add(request(), {}));
    watcher.poll();
    CHECK(always.outbox.size() == 2);
}
