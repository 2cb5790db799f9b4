#include "fault_relay.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <stdexcept>
#include <string>

namespace warren::test {

namespace {

constexpr std::size_t piece_size = 64 * 1024;
// How often a pump looks at a fault switched under it, or at the relay stopping.
constexpr int poll_ms = 20;

void set_linger_zero(int fd) {
  const linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

}  // namespace

struct fault_relay::connection {
  int fd[2] = {-1, -1};  // 0: the side that connected to us, 1: the target
  std::mutex mutex;
  fault current;
  std::uint64_t generation = 0;  // bumped by every set(): counters restart
  std::atomic<bool> dead{false};   // stop both pumps
  std::atomic<bool> reset{false};  // close with a reset, not a FIN
  std::atomic<int> pumps_left{2};
  bool closed = false;

  // Sends all of it, unless the connection dies first (a peer that stops
  // reading must not pin a pump forever). False if it did not get through.
  bool send(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      if (dead) return false;
      const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, poll_ms);
        continue;
      }
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  fault get(std::uint64_t& gen) {
    std::lock_guard lock(mutex);
    gen = generation;
    return current;
  }
  void set(const fault& f) {
    {
      std::lock_guard lock(mutex);
      current = f;
      ++generation;
    }
    if (f.what == fault::kind::rst) {
      reset = true;
      dead = true;
    }
  }
};

fault_relay::fault_relay(std::uint16_t target_port, fault initial) : target_port_(target_port), default_(initial) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("fault_relay: socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 256) != 0)
    throw std::runtime_error("fault_relay: bind/listen failed");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

fault_relay::~fault_relay() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (auto& c : connections_) c->dead = true;
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

void fault_relay::set(fault f) {
  std::lock_guard lock(mutex_);
  default_ = f;
  for (auto& c : connections_) c->set(f);
}

void fault_relay::set(std::size_t index, fault f) {
  std::lock_guard lock(mutex_);
  if (index < connections_.size()) connections_[index]->set(f);
}

void fault_relay::set_for_new(fault f) {
  std::lock_guard lock(mutex_);
  default_ = f;
}

int fault_relay::open_connections() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(connections_.begin(), connections_.end(), [](const auto& c) {
    std::lock_guard l(c->mutex);
    return !c->closed;
  }));
}

void fault_relay::accept_loop() {
  for (;;) {
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_ || (errno != EINTR && errno != ECONNABORTED)) return;
      continue;
    }
    ++accepted_;
    const int target = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(target_port_);
    if (target < 0 || ::connect(target, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      // Nothing behind us: the peer sees what it would see without the relay.
      ++refused_;
      if (target >= 0) ::close(target);
      set_linger_zero(client);
      ::close(client);
      continue;
    }
    auto c = std::make_shared<connection>();
    c->fd[0] = client;
    c->fd[1] = target;
    std::lock_guard lock(mutex_);
    c->current = default_;
    if (c->current.what == fault::kind::rst) {
      c->reset = true;
      c->dead = true;
    }
    connections_.push_back(c);
    threads_.emplace_back([this, c] { pump(c, true); });
    threads_.emplace_back([this, c] { pump(c, false); });
  }
}

void fault_relay::pump(const std::shared_ptr<connection>& c, bool client_to_target) {
  const int src = c->fd[client_to_target ? 0 : 1];
  const int dst = c->fd[client_to_target ? 1 : 0];
  std::minstd_rand rng(static_cast<unsigned>(src * 7919 + (client_to_target ? 1 : 0)));
  std::vector<char> buf(piece_size);
  std::uint64_t gen = ~std::uint64_t{0};
  std::uint64_t sent_since_set = 0;  // bytes forwarded under the current fault
  auto since = std::chrono::steady_clock::now();
  bool nodelay = false;
  bool src_eof = false;
  bool finned = false;  // fin_after reached: what still comes is dropped

  while (!stopping_ && !c->dead) {
    std::uint64_t g = 0;
    const fault before = c->get(g);
    if (g != gen) {
      gen = g;
      sent_since_set = 0;
      since = std::chrono::steady_clock::now();
    }
    if (src_eof) {
      // A FIN held back by a blackhole goes out once the fault is lifted.
      if (before.what != fault::kind::blackhole) {
        ::shutdown(dst, SHUT_WR);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
      continue;
    }
    pollfd p{src, POLLIN, 0};
    const int ready = ::poll(&p, 1, poll_ms);
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    std::size_t want = piece_size;
    if (before.what == fault::kind::throttle && before.bytes_per_second > 0)
      want = static_cast<std::size_t>(std::clamp<std::uint64_t>(before.bytes_per_second / 10, 1, piece_size));
    const ssize_t n = ::recv(src, buf.data(), want, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      // The peer reset: pass the reset on.
      c->reset = true;
      c->dead = true;
      break;
    }
    if (n == 0) {
      src_eof = true;
      continue;
    }
    // The fault may have been switched while this pump waited: what was read
    // is handled by the fault in force now.
    const fault f = c->get(g);
    if (g != gen) {
      gen = g;
      sent_since_set = 0;
      since = std::chrono::steady_clock::now();
    }
    if (finned || f.what == fault::kind::blackhole) continue;

    const auto size = static_cast<std::size_t>(n);
    bool ok = true;
    switch (f.what) {
      case fault::kind::pass:
      case fault::kind::blackhole:
      case fault::kind::rst:
        ok = c->send(dst, buf.data(), size);
        break;
      case fault::kind::delay: {
        auto d = f.delay;
        if (f.jitter.count() > 0) d += std::chrono::milliseconds(rng() % (f.jitter.count() + 1));
        std::this_thread::sleep_for(d);
        ok = c->send(dst, buf.data(), size);
        break;
      }
      case fault::kind::throttle: {
        ok = c->send(dst, buf.data(), size);
        sent_since_set += size;
        if (f.bytes_per_second > 0)
          std::this_thread::sleep_until(since + std::chrono::microseconds(sent_since_set * 1'000'000 /
                                                                          f.bytes_per_second));
        break;
      }
      case fault::kind::fin_after: {
        const std::uint64_t room = f.bytes > sent_since_set ? f.bytes - sent_since_set : 0;
        const auto now = static_cast<std::size_t>(std::min<std::uint64_t>(room, size));
        ok = c->send(dst, buf.data(), now);
        sent_since_set += now;
        if (ok && sent_since_set >= f.bytes) {
          finned = true;
          ::shutdown(dst, SHUT_WR);
        }
        break;
      }
      case fault::kind::one_byte: {
        if (!nodelay) {
          const int one = 1;
          ::setsockopt(dst, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          nodelay = true;
        }
        for (std::size_t i = 0; ok && i < size; ++i) ok = c->send(dst, buf.data() + i, 1);
        break;
      }
    }
    if (!ok) {
      c->reset = true;
      c->dead = true;
    }
  }

  if (c->dead) {
    // Wake the other pump; a reset keeps the sockets as they are so that the
    // close below sends RST rather than FIN.
    std::lock_guard lock(c->mutex);
    c->closed = true;
    if (!c->reset) {
      for (int fd : c->fd) ::shutdown(fd, SHUT_RDWR);
    }
  }
  if (--c->pumps_left == 0) {
    // The last pump out closes: the other no longer uses the descriptors.
    std::lock_guard lock(c->mutex);
    c->closed = true;
    for (int fd : c->fd) {
      if (c->reset) set_linger_zero(fd);
      ::close(fd);
    }
  }
}

}  // namespace warren::test
