// Integration-test harness: temporary directories, child processes with
// logs, starters for the origin / gateway / client, curl, polling, the
// gateway's metrics, digests and a load client. Nothing here includes Asio or
// Beast, so tests stay quick to build.
//
// Failures throw std::runtime_error with the child's log tail (GoogleTest
// reports the message and fails the test), so a test reads straight through:
//   auto origin = start_origin();
//   auto gw = start_gateway(dir);
//   auto cl = start_client(gw.port, origin.port);
//   auto r = run_curl({cl.url + "/echo"});
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "pattern.hpp"

namespace warren::test {

using namespace std::chrono_literals;

// ---- binaries ----

// Where warren-gateway, warren and warren-test-origin live. Taken, in order,
// from the WARREN_BIN_DIR environment variable (to run against another
// build, e.g. a sanitizer one), set_bin_dir() (integration tests call it
// with their WARREN_BIN_DIR macro, see below), or the directory of the
// running test executable (CMake puts all of them in bin/).
void set_bin_dir(std::string dir);
std::string bin_dir();
std::string bin_path(std::string_view name);

#ifdef WARREN_BIN_DIR
// Integration tests are compiled with WARREN_BIN_DIR: register it before
// main() so no test has to.
namespace {
[[maybe_unused]] const bool warren_bin_dir_registered = (set_bin_dir(WARREN_BIN_DIR), true);
}
#endif

// ---- temporary directory ----

// A fresh directory under /tmp, removed with its contents on destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

// ---- child processes ----

using env_list = std::vector<std::pair<std::string, std::string>>;

// A child started with posix_spawn: stdin is /dev/null, stdout and stderr are
// appended to one log file (a temporary one, deleted with the object, if none
// is given). The destructor SIGKILLs a child still running and reaps it; if
// the current test has failed it first prints the log tail to stderr.
// Not thread-safe: use one object from one thread.
class process {
public:
  explicit process(std::vector<std::string> argv, env_list extra_env = {},
                   std::filesystem::path log_file = {}, std::filesystem::path cwd = {});
  process(process&& other) noexcept;
  process& operator=(process&& other) noexcept;
  ~process();

  pid_t pid() const { return pid_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& log_file() const { return log_file_; }

  bool running() const;
  // Sends a signal if the child has not been reaped yet.
  void signal(int sig);
  // Exit status, or 128 + signal number; nullopt if still running at timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status.
  int stop(std::chrono::milliseconds grace = 5s);

  // The whole log so far.
  std::string output() const;
  // Polls the log until `re` has matched `occurrence` times and returns that
  // match's groups (0 = whole match). Gives up early if the child exits. On
  // failure records a GoogleTest failure with the log tail, returns nullopt.
  std::optional<std::vector<std::string>> wait_for_output(const std::regex& re,
                                                          std::chrono::milliseconds timeout,
                                                          std::size_t occurrence = 1);
  // "NAME (pid N, running|exited with S), log FILE:" plus the last lines.
  std::string describe(std::size_t tail_lines = 60) const;
  // On by default: print describe() when destroyed during a failed test.
  void dump_output_on_failure(bool on) { dump_on_failure_ = on; }

  // Resident set size from /proc/PID/status (VmRSS), -1 if unavailable.
  long rss_kb() const;

private:
  void reap(int wait_status) const;

  std::string name_;
  pid_t pid_ = -1;
  std::filesystem::path log_file_;
  bool owns_log_ = false;
  bool dump_on_failure_ = true;
  mutable std::optional<int> exit_status_;
};

// ---- starters (throw std::runtime_error with the log tail on failure) ----

struct origin_process {
  process proc;
  std::uint16_t port = 0;
  std::string url() const;  // http://127.0.0.1:PORT
};

// warren-test-origin on 127.0.0.1:0, ready once it printed its port.
origin_process start_origin(std::vector<std::string> extra_args = {});

struct gateway_process {
  process proc;
  std::uint16_t port = 0;
  std::string scheme;                 // "http" or "https", from its listening line
  std::filesystem::path config_file;  // the gateway.toml it was started with
  std::string url() const;            // SCHEME://localhost:PORT (the apex)
  // SCHEME://NAME.localhost:PORT
  std::string tunnel_url(std::string_view name) const;
};

// The base config: listen 127.0.0.1:0, domain localhost, anonymous tunnels,
// the SQLite store in warren.db next to the config.
std::string default_gateway_toml();
// default_gateway_toml() deep-merged with extra_toml (see start_gateway).
// Throws std::runtime_error if extra_toml is not valid TOML.
std::string gateway_toml(std::string_view extra_toml);

// Writes DIR/gateway.toml = default_gateway_toml() deep-merged with
// extra_toml (so "[server]\nmax_body_bytes = 10" adds to the [server] table
// and a key given again overrides the default; a [store] table replaces the
// default store-sqlite one whole), runs
// `warren-gateway --config FILE` + extra_args with DIR as working directory,
// and waits for `listening on (https?)://127.0.0.1:(\d+)`.
gateway_process start_gateway(const temp_dir& dir, std::string extra_toml = "",
                              std::vector<std::string> extra_args = {});
// The same with config_toml written as is (no defaults merged in).
gateway_process start_gateway_with_config(const temp_dir& dir, std::string config_toml,
                                          std::vector<std::string> extra_args = {});

struct client_process {
  process proc;
  std::string url;   // e.g. http://quiet-fox-lamp.localhost:41234
  std::string name;  // e.g. quiet-fox-lamp
};

// `warren http http://127.0.0.1:ORIGIN --server http://localhost:GW` +
// extra_args, ready once it printed `Forwarding URL -> `.
client_process start_client(std::uint16_t gateway_port, std::uint16_t origin_port,
                            std::vector<std::string> extra_args = {}, env_list extra_env = {});

// ---- commands ----

struct command_result {
  int exit_code = -1;  // -1 if it was killed at the timeout
  std::string stdout_text;
  std::string stderr_text;
};

// Runs argv (no shell) to completion or `timeout`, stdout and stderr apart.
command_result run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 60s,
                           const env_list& extra_env = {});

// `warren-gateway --config FILE ARGS...`: an admin command (tunnels, keys,
// users, audit) against the store of that config.
command_result run_gateway_admin(const std::filesystem::path& config_file, std::vector<std::string> args);

// ---- curl ----

struct curl_result {
  int exit_code = -1;  // curl's exit code; -1 if it was killed at the timeout
  long status = 0;     // %{http_code}: the last response's status, 0 if none
  std::string body;
  std::string headers;  // every response head received, as curl -D writes them
  std::string stderr_text;
};

// Runs /usr/bin/curl -s -S -D HEADERS -o BODY -w %{http_code} ARGS... (no
// shell). `headers` and `body` are read back from temporary files.
curl_result run_curl(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s);

// All values of a header (case-insensitive name) in the last response head
// of a curl -D dump. curl writes chunked trailers after the head's blank
// line; search `headers` directly for those.
std::vector<std::string> header_values(const std::string& headers, std::string_view name);

// ---- keyed tunnels ----

// `keys issue NAME` with the gateway's config: the API key it prints once.
// Throws std::runtime_error (with the command's output) if it fails.
std::string issue_api_key(const gateway_process& gw, const std::string& tunnel);
// `tunnels create NAME`, then issue_api_key.
std::string make_keyed_tunnel(const gateway_process& gw, const std::string& name);

// A tunnel connect as curl can make one: the WebSocket upgrade to
// /_warren/connect with `key` as a bearer token (no hello follows). The
// status is 101 when admitted (curl then gives up after 2 s), else the
// refusal with its one-line reason in the body.
curl_result connect_with_key(const gateway_process& gw, const std::string& key);

// ---- polling ----

// Calls `pred` every `step` until it returns true (then true) or `timeout`
// has passed (then false).
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout, std::chrono::milliseconds step = 50ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// Seconds elapsed since `t`.
double seconds_since(std::chrono::steady_clock::time_point t);

// ---- gateway metrics ----

// The value of an unlabelled sample `name` in the gateway's /metrics.
std::optional<double> metric(const gateway_process& gw, std::string_view name);
// Polls until warren_streams reads 0; returns the last value read.
std::optional<double> wait_streams_zero(const gateway_process& gw, std::chrono::milliseconds timeout);

// ---- load ----

// Sends `count` GET requests for `target` to 127.0.0.1:port with that Host
// header, from `concurrency` keep-alive connections (all opened up front, so
// concurrency == count puts every request in flight at once). Bodies are
// read and discarded. Returns each request's status, 0 for a failure
// (connect, I/O, timeout). Raises the fd limit first.
std::vector<int> concurrent_requests(std::string host_header, std::uint16_t port, std::string target,
                                     int count, int concurrency,
                                     std::chrono::milliseconds timeout = 60s);

}  // namespace warren::test
