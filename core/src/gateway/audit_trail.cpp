#include "gateway/audit_trail.hpp"

#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

namespace warren {

audit_trail::audit_trail(store& s, blocking_pool& pool, metrics_registry& metrics, change_feed* feed,
                         std::size_t max_pending)
    : store_(s),
      pool_(pool),
      feed_(feed),
      max_pending_(max_pending),
      dropped_(metrics.add_counter("warren_audit_dropped_total",
                                   "Audit rows dropped because too many were waiting for the store.")),
      failed_(metrics.add_counter("warren_audit_failed_total", "Audit rows the store failed to write.")) {}

void audit_trail::record(audit_entry entry) {
    if (pending_.fetch_add(1, std::memory_order_relaxed) >= max_pending_) {
        pending_.fetch_sub(1, std::memory_order_relaxed);
        dropped_.inc();
        return;
    }
    if (entry.at == time_point{}) entry.at = std::chrono::system_clock::now();
    boost::asio::post(pool_, [this, e = std::move(entry)] {
        auto r = store_.append_audit(e);
        pending_.fetch_sub(1, std::memory_order_relaxed);
        if (!r) {
            failed_.inc();
            if (!failing_.exchange(true))
                spdlog::warn("audit log: the store failed to write a row ({}); further failures are counted "
                             "in warren_audit_failed_total",
                             r.error().message);
            return;
        }
        if (feed_) feed_->bump(change::audit);
        if (failing_.exchange(false)) spdlog::info("audit log: the store writes rows again");
    });
}

}  // namespace warren
