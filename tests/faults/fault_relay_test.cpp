// The fault relay itself, against an echo origin: each fault does what it
// says, and faults switch on a live connection.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>

#include "fault_relay.hpp"
#include "fault_support.hpp"
#include "harness.hpp"
#include "raw_origin.hpp"

namespace warren::test {
namespace {

// Echoes every read back; counts reads (1-byte segments show up as many).
struct echo_origin {
  std::atomic<int> reads{0};
  raw_origin server{[this](int fd) {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      ++reads;
      if (!send_all(fd, {buf, static_cast<std::size_t>(n)})) return;
    }
  }};
};

class socket_fd {
public:
  explicit socket_fd(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~socket_fd() { ::close(fd_); }
  int get() const { return fd_; }
  bool connected() const { return connected_; }

  // Reads until `n` bytes, EOF, an error or the timeout. errno_out: the error.
  std::string read(std::size_t n, std::chrono::milliseconds timeout, int* errno_out = nullptr, bool* eof = nullptr) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < n) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got < 0 && errno_out) *errno_out = errno;
      if (got == 0 && eof) *eof = true;
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
  }

private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST(FaultRelay, PassForwardsBothWays) {
  echo_origin origin;
  fault_relay relay(origin.server.port());
  socket_fd s(relay.port());
  ASSERT_TRUE(s.connected());
  const std::string msg(100000, 'x');
  ASSERT_TRUE(send_all(s.get(), msg));
  EXPECT_EQ(s.read(msg.size(), 5s), msg);
  EXPECT_EQ(relay.accepted(), 1);
}

TEST(FaultRelay, BlackholeDropsEverythingAndKeepsTheSocketOpen) {
  echo_origin origin;
  fault_relay relay(origin.server.port());
  socket_fd s(relay.port());
  ASSERT_TRUE(send_all(s.get(), "one"));
  ASSERT_EQ(s.read(3, 5s), "one");

  relay.set(fault::blackhole());
  ASSERT_TRUE(send_all(s.get(), "two"));
  bool eof = false;
  EXPECT_EQ(s.read(3, 500ms, nullptr, &eof), "") << "a blackhole forwards nothing";
  EXPECT_FALSE(eof) << "a blackhole keeps the socket open";
  EXPECT_EQ(relay.open_connections(), 1);

  relay.set(fault::pass());
  ASSERT_TRUE(send_all(s.get(), "three"));
  EXPECT_EQ(s.read(5, 5s), "three") << "the connection works again once the fault is lifted";
}

TEST(FaultRelay, DelayHoldsEachPiece) {
  echo_origin origin;
  fault_relay relay(origin.server.port(), fault::delayed(150ms, 50ms));
  socket_fd s(relay.port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(send_all(s.get(), "ping"));
  EXPECT_EQ(s.read(4, 5s), "ping");
  // Delayed on the way there and on the way back.
  EXPECT_GE(seconds_since(start), 0.3);
}

TEST(FaultRelay, ThrottleBoundsTheRate) {
  echo_origin origin;
  fault_relay relay(origin.server.port(), fault::throttled(20000));
  socket_fd s(relay.port());
  const std::string msg(10000, 'y');
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(send_all(s.get(), msg));
  EXPECT_EQ(s.read(msg.size(), 10s), msg);
  // 10 kB at 20 kB/s takes about 0.5 s each way (they overlap).
  EXPECT_GE(seconds_since(start), 0.4);
}

TEST(FaultRelay, ResetAbortsBothSides) {
  echo_origin origin;
  fault_relay relay(origin.server.port());
  socket_fd s(relay.port());
  ASSERT_TRUE(send_all(s.get(), "a"));
  ASSERT_EQ(s.read(1, 5s), "a");
  relay.set(fault::reset());
  int err = 0;
  bool eof = false;
  EXPECT_EQ(s.read(1, 5s, &err, &eof), "");
  EXPECT_EQ(err, ECONNRESET) << "the peer sees a reset, not a FIN";
  EXPECT_FALSE(eof);
  EXPECT_TRUE(wait_until([&] { return relay.open_connections() == 0; }, 5s));
}

TEST(FaultRelay, FinAfterNBytes) {
  echo_origin origin;
  fault_relay relay(origin.server.port(), fault::fin_after(10));
  socket_fd s(relay.port());
  ASSERT_TRUE(send_all(s.get(), std::string(100, 'z')));
  bool eof = false;
  const std::string got = s.read(100, 5s, nullptr, &eof);
  EXPECT_EQ(got, std::string(10, 'z'));
  EXPECT_TRUE(eof) << "a FIN after the first 10 bytes";
}

TEST(FaultRelay, OneByteSegments) {
  echo_origin origin;
  fault_relay relay(origin.server.port(), fault::one_byte_segments());
  socket_fd s(relay.port());
  std::string msg;
  for (int i = 0; i < 300; ++i) msg += static_cast<char>('a' + i % 26);
  ASSERT_TRUE(send_all(s.get(), msg));
  EXPECT_EQ(s.read(msg.size(), 10s), msg) << "the bytes arrive intact and in order";
  EXPECT_GT(origin.reads.load(), 1) << "the origin read them in pieces";
}

TEST(FaultRelay, PerConnectionFaults) {
  echo_origin origin;
  fault_relay relay(origin.server.port());
  socket_fd a(relay.port());
  ASSERT_TRUE(send_all(a.get(), "a"));
  ASSERT_EQ(a.read(1, 5s), "a");
  socket_fd b(relay.port());
  ASSERT_TRUE(send_all(b.get(), "b"));
  ASSERT_EQ(b.read(1, 5s), "b");
  relay.set(0, fault::blackhole());
  ASSERT_TRUE(send_all(a.get(), "a"));
  ASSERT_TRUE(send_all(b.get(), "b"));
  EXPECT_EQ(b.read(1, 5s), "b") << "connection 1 is untouched";
  EXPECT_EQ(a.read(1, 300ms), "") << "connection 0 is blackholed";
}

TEST(FaultRelay, NothingBehindItIsARefusal) {
  fault_relay relay(closed_port());
  socket_fd s(relay.port());
  ASSERT_TRUE(s.connected());
  int err = 0;
  bool eof = false;
  EXPECT_EQ(s.read(1, 5s, &err, &eof), "");
  EXPECT_TRUE(err == ECONNRESET || eof);
  EXPECT_TRUE(wait_until([&] { return relay.refused() == 1; }, 5s));
}

}  // namespace
}  // namespace warren::test
