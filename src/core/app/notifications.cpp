#include "app/notifications.h"

#include <algorithm>
#include <chrono>

#include "base/json_text.h"

namespace fixtray {

ChangeWatcher::ChangeWatcher(MachineCatalog& catalog, std::string outbox_dir)
    : catalog_(catalog), outbox_dir_(std::move(outbox_dir)) {
    FeedState state;
    bool expired = false;
    feed_ = feed_snapshot(&state, &expired);
    outbox_ = outbox_snapshot(nullptr);
}

void ChangeWatcher::subscribe(AppObserver* observer) {
    if (std::find(observers_.begin(), observers_.end(), observer) == observers_.end())
        observers_.push_back(observer);
}

void ChangeWatcher::unsubscribe(AppObserver* observer) {
    const auto it = std::find(observers_.begin(), observers_.end(), observer);
    if (it == observers_.end()) return;
    if (notifying_)
        *it = nullptr;  // compacted when the notification is over
    else
        observers_.erase(it);
}

template <typename Call>
void ChangeWatcher::notify(Call call) {
    ++notifying_;
    // By index: a callback may subscribe (appending) or unsubscribe (nulling) observers.
    for (std::size_t i = 0; i < observers_.size(); ++i)
        if (observers_[i]) call(*observers_[i]);
    if (--notifying_ == 0) std::erase(observers_, nullptr);
}

std::string ChangeWatcher::feed_snapshot(FeedState* state, bool* expired) const {
    *state = read_feed_state(catalog_.config().feed.state_dir, nullptr);
    *expired = feed_expired(*state, std::chrono::system_clock::now());
    return dump_json(feed_state_to_json(*state)) + (*expired ? " expired" : "");
}

std::map<std::string, std::string> ChangeWatcher::outbox_snapshot(
    std::vector<OutboxEntry>* entries) const {
    std::map<std::string, std::string> out;
    if (outbox_dir_.empty()) return out;
    auto list = Outbox(outbox_dir_).list();
    for (const auto& e : list) out[e.request.id] = dump_json(to_json(e.status));
    if (entries) *entries = std::move(list);
    return out;
}

void ChangeWatcher::poll() {
    FeedState state;
    bool expired = false;
    if (std::string feed = feed_snapshot(&state, &expired); feed != feed_) {
        feed_ = std::move(feed);
        notify([&](AppObserver& o) { o.feed_status_changed(state, expired); });
    }

    if (catalog_.sources_changed()) {
        const CatalogChange change = catalog_.reload();
        if (!change.empty()) notify([&](AppObserver& o) { o.catalog_changed(catalog_, change); });
    }

    std::vector<OutboxEntry> entries;
    auto outbox = outbox_snapshot(&entries);
    if (outbox != outbox_) {
        OutboxChange change;
        for (const auto& [id, status] : outbox) {
            const auto it = outbox_.find(id);
            if (it == outbox_.end())
                change.added.push_back(id);
            else if (it->second != status)
                change.changed.push_back(id);
        }
        for (const auto& [id, status] : outbox_)
            if (!outbox.count(id)) change.removed.push_back(id);
        change.entries = std::move(entries);
        outbox_ = std::move(outbox);
        notify([&](AppObserver& o) { o.outbox_changed(change); });
    }
}

}  // namespace fixtray
