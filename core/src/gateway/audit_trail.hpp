#pragma once
// Audit rows written from the network side (connects, disconnects,
// rejections): handed to the store on the blocking pool, so that a slow or
// absent database never delays a connect. Bounded: when too many rows are
// waiting (the store is hanging), new ones are dropped and counted in
// warren_audit_dropped_total, and the store's failures are logged.
#include "gateway/blocking_pool.hpp"
#include "gateway/change_feed.hpp"
#include "util/metrics.hpp"

#include <warren/store.hpp>

#include <atomic>
#include <cstddef>

namespace warren {

class audit_trail {
public:
    // `feed` (optional) learns of every row written, for the dashboard.
    audit_trail(store& s, blocking_pool& pool, metrics_registry& metrics, change_feed* feed = nullptr,
                std::size_t max_pending = 10'000);

    // Never blocks. Fills in the time when it is unset.
    void record(audit_entry entry);

private:
    store& store_;
    blocking_pool& pool_;
    change_feed* feed_;
    const std::size_t max_pending_;
    std::atomic<std::size_t> pending_{0};
    std::atomic<bool> failing_{false};  // log the first failure of a run, not each one
    counter& dropped_;
    counter& failed_;
};

}  // namespace warren
