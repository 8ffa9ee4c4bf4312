// Change notifications for front ends (pwsafe's UIinterface observer, WinSparkle's Notify*):
// the core says what changed, the front end decides how to show it.
//
// ChangeWatcher is poll-based: the tray calls poll() from a timer (every few seconds). poll()
// compares what is on disk with what it saw last and calls the subscribed observers.
//
// Thread contract: a ChangeWatcher, the MachineCatalog it watches and its observers belong to
// one thread, the one that calls poll() (the tray's UI thread). Every callback runs
// synchronously inside poll(), on that thread, so a wxWidgets front end may update its windows
// directly; nothing is called from any other thread, and nothing is called outside poll(). A
// callback may subscribe or unsubscribe observers (itself included): an observer unsubscribed
// during a poll gets no further callback from it. poll() does file I/O (state files, the outbox,
// and re-reading the packs when a source changed): milliseconds on a local disk.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/machine_catalog.h"
#include "feed/feed_sync.h"
#include "outbox/outbox.h"

namespace fixtray {

// Support requests that appeared, changed state (an attempt, delivery, failure) or went away.
struct OutboxChange {
    std::vector<std::string> added, changed, removed;  // request ids, sorted
    std::vector<OutboxEntry> entries;                  // the whole outbox now, oldest first
};

class AppObserver {
public:
    virtual ~AppObserver() = default;
    // The catalog was loaded again because a source changed (a new feed generation, a pack
    // file edited, the machine's config): `change` says which offered fixes differ, and is
    // empty when none does (a config change to the escalation settings, say). Earlier
    // CatalogEntry pointers are invalid.
    virtual void catalog_changed(const MachineCatalog& catalog, const CatalogChange& change) {
        (void)catalog;
        (void)change;
    }
    virtual void outbox_changed(const OutboxChange& change) { (void)change; }
    // The feed's state changed: a sync ran (success or error), or the installed index expired.
    virtual void feed_status_changed(const FeedState& state, bool expired) {
        (void)state;
        (void)expired;
    }
};

// Observers of one source of notifications (ChangeWatcher, OutboxService). A callback may
// subscribe or unsubscribe observers (itself included) while notify() runs: an observer
// unsubscribed during a notification gets no further callback from it.
class AppObservers {
public:
    void subscribe(AppObserver* observer);
    void unsubscribe(AppObserver* observer);
    bool empty() const;
    // Calls call(observer) for each subscribed observer, in subscription order.
    template <typename Call>
    void notify(Call call) {
        ++notifying_;
        // By index: a callback may subscribe (appending) or unsubscribe (nulling) observers.
        for (std::size_t i = 0; i < observers_.size(); ++i)
            if (observers_[i]) call(*observers_[i]);
        if (--notifying_ == 0) compact();
    }

private:
    void compact();
    std::vector<AppObserver*> observers_;  // nullptr: unsubscribed during a notification
    int notifying_ = 0;
};

// The outbox as the notifications compare it: request id -> its delivery status (JSON text).
using OutboxSnapshot = std::map<std::string, std::string>;
OutboxSnapshot outbox_snapshot(const std::vector<OutboxEntry>& entries);
// What changed from `before` to `after` (`entries`: the outbox now, for OutboxChange::entries);
// nullopt when nothing did.
std::optional<OutboxChange> outbox_change(const OutboxSnapshot& before, const OutboxSnapshot& after,
                                          std::vector<OutboxEntry> entries);

class ChangeWatcher {
public:
    // Takes what is there now as the starting point (no callback for it). outbox_dir: the
    // user's outbox (<state>/fixtray/outbox), "" to not watch one. `catalog` must outlive this.
    ChangeWatcher(MachineCatalog& catalog, std::string outbox_dir);

    void subscribe(AppObserver* observer) { observers_.subscribe(observer); }
    void unsubscribe(AppObserver* observer) { observers_.unsubscribe(observer); }

    // Checks the feed state, then the catalog's sources, then the outbox, and calls the
    // observers for each that changed since the last poll.
    void poll();

private:
    std::string feed_snapshot(FeedState* state, bool* expired) const;
    OutboxSnapshot read_outbox(std::vector<OutboxEntry>* entries) const;

    MachineCatalog& catalog_;
    std::string outbox_dir_;
    AppObservers observers_;
    std::string feed_;
    OutboxSnapshot outbox_;
};

}  // namespace fixtray
