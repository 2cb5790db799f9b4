// A TCP fault relay for tests: listens on 127.0.0.1:0 and forwards every
// connection to 127.0.0.1:TARGET, applying a fault that can be switched at
// run time, for all connections or for one. Tests put it between the client
// and the gateway (the client's --server points at the relay) or between the
// client and the origin.
//
// Plain sockets and two threads per connection (one per direction), no Asio:
// a test holds a few dozen connections at most, and blocking code keeps the
// fault semantics easy to read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace warren::test {

struct fault {
  enum class kind {
    pass,       // forward as is
    blackhole,  // keep both sockets open, read and drop everything, send nothing
    delay,      // hold each piece `delay` (+ up to `jitter`) before forwarding it
    throttle,   // forward at most `bytes_per_second` in each direction
    rst,        // abort both sockets now (SO_LINGER 0: the peers see a reset)
    fin_after,  // forward `bytes` more in each direction, then FIN that way and drop the rest
    one_byte,   // forward in 1-byte segments (TCP_NODELAY, one write per byte)
  };
  kind what = kind::pass;
  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds jitter{0};
  std::uint64_t bytes_per_second = 0;
  std::uint64_t bytes = 0;

  static fault pass() { return {}; }
  static fault blackhole() { return {kind::blackhole}; }
  static fault delayed(std::chrono::milliseconds d, std::chrono::milliseconds j = {}) {
    return {kind::delay, d, j};
  }
  static fault throttled(std::uint64_t bps) { return {kind::throttle, {}, {}, bps}; }
  static fault reset() { return {kind::rst}; }
  static fault fin_after(std::uint64_t n) { return {kind::fin_after, {}, {}, 0, n}; }
  static fault one_byte_segments() { return {kind::one_byte}; }
};

class fault_relay {
public:
  // Faults apply to new connections as `initial` until set() changes them.
  explicit fault_relay(std::uint16_t target_port, fault initial = {});
  ~fault_relay();
  fault_relay(const fault_relay&) = delete;
  fault_relay& operator=(const fault_relay&) = delete;

  std::uint16_t port() const { return port_; }

  // Every open connection and every later one.
  void set(fault f);
  // Only connection `index` (0 = the first accepted); others keep theirs.
  void set(std::size_t index, fault f);
  // Later connections only; open ones keep theirs.
  void set_for_new(fault f);

  int accepted() const { return accepted_.load(); }
  // Connections with both sides still open.
  int open_connections() const;
  // Whether a connection to the target failed (nothing listening).
  int refused() const { return refused_.load(); }

private:
  struct connection;
  void accept_loop();
  void pump(const std::shared_ptr<connection>& c, bool client_to_target);

  std::uint16_t target_port_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> refused_{0};
  mutable std::mutex mutex_;
  fault default_;
  std::vector<std::shared_ptr<connection>> connections_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace warren::test
