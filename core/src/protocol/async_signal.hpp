#pragma once
// A one-waiter wake-up for coroutines confined to one strand: the consumer
// awaits wait(), producers call notify(). A notify with nobody waiting is
// remembered, so a wake-up between "check state" and "wait" is never lost.
// Not thread-safe: every call happens on the owner's strand.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>

namespace warren::proto {

class async_signal {
public:
    explicit async_signal(boost::asio::any_io_executor ex) : ex_(std::move(ex)) {}
    async_signal(const async_signal&) = delete;
    async_signal& operator=(const async_signal&) = delete;

    boost::asio::awaitable<void> wait() {
        return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
            [this](auto handler) {
                if (pending_) {
                    pending_ = false;
                    complete(std::move(handler));
                    return;
                }
                waiter_.emplace(std::move(handler));
            },
            boost::asio::use_awaitable);
    }

    void notify() {
        if (waiter_) {
            auto h = std::move(*waiter_);
            waiter_.reset();
            complete(std::move(h));
        } else {
            pending_ = true;
        }
    }

    bool waiting() const noexcept { return waiter_.has_value(); }

private:
    // Every waiter runs on ex_ (the strand), so resuming it from a task
    // posted there is resuming it on its own executor, never inline.
    template <class Handler>
    void complete(Handler&& h) {
        boost::asio::post(ex_, [h = std::forward<Handler>(h)]() mutable { std::move(h)(); });
    }

    boost::asio::any_io_executor ex_;
    // optional + emplace/reset, never assignment: Boost 1.81's
    // any_completion_handler move-assignment recurses without end.
    std::optional<boost::asio::any_completion_handler<void()>> waiter_;
    bool pending_ = false;
};

}  // namespace warren::proto
