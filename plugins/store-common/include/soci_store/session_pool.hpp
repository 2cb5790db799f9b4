#pragma once
// A fixed set of database sessions shared by concurrent store calls. A call
// leases one session for its whole duration (waiting while all are leased),
// so a session is only ever used by one thread at a time.
//
// Sessions break (a database restart cuts every connection); the pool does
// not probe them. The store notices a broken session when a statement fails,
// and the lease holder reopens it; a session whose reopening failed stays
// closed and is reopened by the next call that leases it.
#include <soci/session.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace warren::soci_store {

class session_pool {
public:
    // Opens a closed session, with every per-connection setting: the same
    // function first connects and later reconnects. Throws soci::soci_error.
    using opener = std::function<void(soci::session&)>;

    // `size` sessions, all closed until open_all() or their first lease.
    session_pool(std::size_t size, opener open);
    session_pool(const session_pool&) = delete;
    session_pool& operator=(const session_pool&) = delete;
    ~session_pool();

    // Opens every session now, so that a wrong setting fails at start rather
    // than on the first call. Call it before sharing the pool. Throws
    // soci::soci_error.
    void open_all();

    class lease {
    public:
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease();

        soci::session& session() noexcept;
        // False when the session is closed or marked broken: reopen() first.
        bool usable() const noexcept;
        // The session's state is unknown (a ROLLBACK failed): reopen it before
        // it runs anything else.
        void mark_broken() noexcept;
        // Closes the session and opens it again. Throws soci::soci_error, and
        // the session then stays unusable.
        void reopen();

    private:
        friend class session_pool;
        lease(session_pool& pool, std::size_t index) noexcept : pool_(pool), index_(index) {}
        session_pool& pool_;
        std::size_t index_;
    };

    // Waits until a session is free. Each holder keeps it for one bounded
    // store call, so the wait is bounded too.
    lease acquire();

private:
    struct slot {
        soci::session session;
        bool usable = false;
    };

    void reopen(slot& s);
    void release(std::size_t index) noexcept;

    opener open_;
    std::vector<std::unique_ptr<slot>> slots_;
    std::mutex mutex_;
    std::condition_variable released_;
    // Guarded by mutex_. Taken in turn (a queue, not a stack), so that every
    // session is used and a broken one is found and reopened soon after a
    // restart, not in the middle of the next burst of calls.
    std::deque<std::size_t> free_;
};

}  // namespace warren::soci_store
