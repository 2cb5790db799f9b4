#pragma once
// The running gateway: io_context and threads, listener, signals and drain.
#include "config/gateway_config.hpp"

namespace warren {

// Runs the gateway until SIGTERM/SIGINT and a drain: stop accepting, send
// GOAWAY to every tunnel, let in-flight requests finish up to drain_timeout,
// exit. Throws std::runtime_error for start-up failures (bad TLS files,
// address in use) before anything is served. Returns the exit status.
int run_gateway(const gateway_config& config);

}  // namespace warren
