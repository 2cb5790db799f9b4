#pragma once
// The pool where blocking work runs (store and plugin calls), so that no
// network thread ever waits on a database. A coroutine on a connection's
// strand awaits run_blocking() and resumes on that strand with the result.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <optional>
#include <type_traits>
#include <utility>

namespace warren {

using blocking_pool = boost::asio::thread_pool;

// Runs f() on the pool. f must not throw (plugin calls are noexcept and
// return result types). The optional exists because co_spawn needs a
// default-constructible value, which result<T> is not.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F>> run_blocking(blocking_pool& pool, F f) {
    using value = std::invoke_result_t<F>;
    auto task = [f = std::move(f)]() mutable -> boost::asio::awaitable<std::optional<value>> {
        std::optional<value> v(f());
        co_return v;
    };
    std::optional<value> v =
        co_await boost::asio::co_spawn(pool.get_executor(), std::move(task), boost::asio::use_awaitable);
    co_return std::move(*v);
}

}  // namespace warren
