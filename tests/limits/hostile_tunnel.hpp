// A tunnel client written by hand (blocking Beast WebSocket), to misbehave
// in ways the real `warren` client never does: stay silent after the
// upgrade, send over-size frames, flood RESETs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace warren::test {

class hostile_tunnel {
public:
  // Connects to the gateway on 127.0.0.1:port and upgrades to
  // /_warren/connect?name=NAME. Throws std::runtime_error on failure.
  hostile_tunnel(std::uint16_t port, const std::string& name);
  ~hostile_tunnel();

  // Sends the hello and reads the ready; false if the gateway closed.
  bool hello();
  // Sends one binary frame; false once the connection is gone.
  bool send_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id, const std::string& payload);
  // Reads (discarding frames) until the gateway closes the connection or
  // `limit` passes; returns the close reason ("" if none), sets `code`.
  std::string wait_closed(std::chrono::milliseconds limit, int& code);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace warren::test
