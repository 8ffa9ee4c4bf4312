#include "app/notifications.h"

#include <algorithm>
#include <chrono>

#include "base/json_text.h"

namespace fixtray {

void AppObservers::subscribe(AppObserver* observer) {
    if (std::find(observers_.begin(), observers_.end(), observer) == observers_.end())
        observers_.push_back(observer);
}

void AppObservers::unsubscribe(AppObserver* observer) {
    const auto it = std::find(observers_.begin(), observers_.end(), observer);
    if (it == observers_.end()) return;
    if (notifying_)
        *it = nullptr;  // compacted when the notification is over
    else
        observers_.erase(it);
}

bool AppObservers::empty() const {
    return std::none_of(observers_.begin(), observers_.end(),
                        [](const AppObserver* o) { return o != nullptr; });
}

void AppObservers::compact() {
    std::erase(observers_, nullptr);
}

OutboxSnapshot outbox_snapshot(const std::vector<OutboxEntry>& entries) {
    OutboxSnapshot out;
    for (const auto& e : entries) out[e.request.id] = dump_json(to_json(e.status));
    return out;
}

std::optional<OutboxChange> outbox_change(const OutboxSnapshot& before, const OutboxSnapshot& after,
                                          std::vector<OutboxEntry> entries) {
    if (before == after) return std::nullopt;
    OutboxChange change;
    for (const auto& [id, status] : after) {
        const auto it = before.find(id);
        if (it == before.end())
            change.added.push_back(id);
        else if (it->second != status)
            change.changed.push_back(id);
    }
    for (const auto& [id, status] : before)
        if (!after.count(id)) change.removed.push_back(id);
    change.entries = std::move(entries);
    return change;
}

ChangeWatcher::ChangeWatcher(MachineCatalog& catalog, std::string outbox_dir)
    : catalog_(catalog), outbox_dir_(std::move(outbox_dir)) {
    FeedState state;
    bool expired = false;
    feed_ = feed_snapshot(&state, &expired);
    outbox_ = read_outbox(nullptr);
}

std::string ChangeWatcher::feed_snapshot(FeedState* state, bool* expired) const {
    *state = read_feed_state(catalog_.config().feed.state_dir, nullptr);
    *expired = feed_expired(*state, std::chrono::system_clock::now());
    return dump_json(feed_state_to_json(*state)) + (*expired ? " expired" : "");
}

OutboxSnapshot ChangeWatcher::read_outbox(std::vector<OutboxEntry>* entries) const {
    if (outbox_dir_.empty()) return {};
    auto list = Outbox(outbox_dir_).list();
    OutboxSnapshot out = outbox_snapshot(list);
    if (entries) *entries = std::move(list);
    return out;
}

void ChangeWatcher::poll() {
    FeedState state;
    bool expired = false;
    if (std::string feed = feed_snapshot(&state, &expired); feed != feed_) {
        feed_ = std::move(feed);
        observers_.notify([&](AppObserver& o) { o.feed_status_changed(state, expired); });
    }

    if (catalog_.sources_changed()) {
        // Told even when no offered fix differs: the machine's config may have changed what a
        // front end shows besides the fixes (the escalation policy, the ticket system).
        const CatalogChange change = catalog_.reload();
        observers_.notify([&](AppObserver& o) { o.catalog_changed(catalog_, change); });
    }

    std::vector<OutboxEntry> entries;
    auto outbox = read_outbox(&entries);
    if (auto change = outbox_change(outbox_, outbox, std::move(entries))) {
        outbox_ = std::move(outbox);
        observers_.notify([&](AppObserver& o) { o.outbox_changed(*change); });
    }
}

}  // namespace fixtray
