#include "harness.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "spawn.hpp"

namespace warren::test {

namespace {

constexpr auto startup_timeout = 20s;

std::string& bin_dir_override() {
  static std::string dir;
  return dir;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& file, std::string_view text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::uint16_t to_port(const std::string& digits) { return static_cast<std::uint16_t>(std::stoul(digits)); }

// Tables merge key by key, recursively; any other value in `from` replaces
// the one in `into`.
void merge_toml(toml::table& into, const toml::table& from) {
  for (const auto& [key, value] : from) {
    auto* existing = into.get_as<toml::table>(key);
    if (existing != nullptr && value.is_table())
      merge_toml(*existing, *value.as_table());
    else
      into.insert_or_assign(key, value);
  }
}

toml::table parse_toml(std::string_view text, std::string_view what) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << what << " is not valid TOML: " << e.description() << " at " << e.source().begin;
    throw std::runtime_error(msg.str());
  }
}

}  // namespace

// ---- binaries ----

void set_bin_dir(std::string dir) { bin_dir_override() = std::move(dir); }

std::string bin_dir() {
  // The environment wins so a run can point at another build (e.g. sanitizers).
  if (const char* env = std::getenv("WARREN_BIN_DIR"); env != nullptr && *env != '\0') return env;
  if (!bin_dir_override().empty()) return bin_dir_override();
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

std::string bin_path(std::string_view name) { return bin_dir() + "/" + std::string(name); }

// ---- temp_dir ----

temp_dir::temp_dir() {
  std::string pattern = "/tmp/warren-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

// ---- starters ----

std::string origin_process::url() const { return "http://127.0.0.1:" + std::to_string(port); }

origin_process start_origin(std::vector<std::string> extra_args) {
  std::vector<std::string> argv{bin_path("warren-test-origin"), "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  origin_process o{process(std::move(argv)), 0};
  const auto m = o.proc.wait_for_output(std::regex(R"(origin listening on 127\.0\.0\.1:(\d+))"), startup_timeout);
  if (!m) throw std::runtime_error("warren-test-origin did not start (its log is printed above)");
  o.port = to_port((*m)[1]);
  return o;
}

std::string gateway_process::url() const { return scheme + "://localhost:" + std::to_string(port); }

std::string gateway_process::tunnel_url(std::string_view name) const {
  return scheme + "://" + std::string(name) + ".localhost:" + std::to_string(port);
}

std::string default_gateway_toml() {
  return "[server]\n"
         "listen = \"127.0.0.1:0\"\n"
         "domain = \"localhost\"\n"
         "\n"
         "[tunnels]\n"
         "allow_anonymous = true\n"
         "\n"
         "[store]\n"
         "plugin = \"store-sqlite\"\n"
         "path = \"warren.db\"\n";
}

std::string gateway_toml(std::string_view extra_toml) {
  if (extra_toml.empty()) return default_gateway_toml();
  auto merged = parse_toml(default_gateway_toml(), "the default gateway config");
  auto extra = parse_toml(extra_toml, "extra_toml");
  // Another store plugin has other keys: its [store] replaces the default one.
  if (extra.contains("store")) merged.erase("store");
  merge_toml(merged, extra);
  std::ostringstream out;
  out << merged << '\n';
  return out.str();
}

gateway_process start_gateway(const temp_dir& dir, std::string extra_toml, std::vector<std::string> extra_args) {
  return start_gateway_with_config(dir, gateway_toml(extra_toml), std::move(extra_args));
}

gateway_process start_gateway_with_config(const temp_dir& dir, std::string config_toml,
                                          std::vector<std::string> extra_args) {
  const auto config_file = dir.path() / "gateway.toml";
  write_file(config_file, config_toml);
  std::vector<std::string> argv{bin_path("warren-gateway"), "--config", config_file.string()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  gateway_process g{process(std::move(argv), {}, {}, dir.path()), 0, {}, config_file};
  const auto m = g.proc.wait_for_output(std::regex(R"(listening on (https?)://127\.0\.0\.1:(\d+))"), startup_timeout);
  if (!m) throw std::runtime_error("warren-gateway did not start (its log is printed above); config:\n" + config_toml);
  g.scheme = (*m)[1];
  g.port = to_port((*m)[2]);
  return g;
}

client_process start_client(std::uint16_t gateway_port, std::uint16_t origin_port,
                            std::vector<std::string> extra_args, env_list extra_env) {
  std::vector<std::string> argv{bin_path("warren"), "http", "http://127.0.0.1:" + std::to_string(origin_port),
                                "--server", "http://localhost:" + std::to_string(gateway_port)};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  client_process c{process(std::move(argv), std::move(extra_env)), {}, {}};
  const auto m = c.proc.wait_for_output(std::regex(R"(Forwarding (https?://(\S+?)\.localhost:\d+) -> )"), startup_timeout);
  if (!m) throw std::runtime_error("warren did not print its public URL (its log is printed above)");
  c.url = (*m)[1];
  c.name = (*m)[2];
  return c;
}

// ---- curl ----

command_result run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                           const env_list& extra_env) {
  const temp_dir files;
  const auto out = files.path() / "stdout";
  const auto err = files.path() / "stderr";
  command_result result;
  // `process` wants one log; callers want stdout apart from stderr, so this
  // drives the lower-level spawn.
  const pid_t pid = detail::spawn(argv, extra_env, out, err, {});
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int st = 0;
  for (;;) {
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      result.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  result.stdout_text = read_file(out);
  result.stderr_text = read_file(err);
  if (result.exit_code == -1)
    result.stderr_text += argv.front() + ": killed after " + std::to_string(timeout.count()) + " ms\n";
  return result;
}

command_result run_gateway_admin(const std::filesystem::path& config_file, std::vector<std::string> args) {
  std::vector<std::string> argv{bin_path("warren-gateway"), "--config", config_file.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 60s);
}

std::string issue_api_key(const gateway_process& gw, const std::string& tunnel) {
  const auto r = run_gateway_admin(gw.config_file, {"keys", "issue", tunnel});
  std::smatch m;
  if (r.exit_code != 0 || !std::regex_search(r.stdout_text, m, std::regex(R"(wk_[A-Za-z0-9_-]{43})")))
    throw std::runtime_error("keys issue " + tunnel + " failed: " + r.stdout_text + r.stderr_text);
  return m[0];
}

std::string make_keyed_tunnel(const gateway_process& gw, const std::string& name) {
  const auto r = run_gateway_admin(gw.config_file, {"tunnels", "create", name});
  if (r.exit_code != 0) throw std::runtime_error("tunnels create " + name + " failed: " + r.stderr_text);
  return issue_api_key(gw, name);
}

curl_result connect_with_key(const gateway_process& gw, const std::string& key) {
  return run_curl({"-H", "Connection: Upgrade", "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13",
                   "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "-H", "Sec-WebSocket-Protocol: warren.v1",
                   "-H", "Authorization: Bearer " + key, "--max-time", "2", gw.url() + "/_warren/connect"});
}

curl_result run_curl(std::vector<std::string> args, std::chrono::milliseconds timeout) {
  const temp_dir files;
  const auto headers = files.path() / "headers";
  const auto body = files.path() / "body";
  std::vector<std::string> argv{"/usr/bin/curl", "-s", "-S", "-D", headers.string(), "-o", body.string(),
                                "-w", "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  const command_result run = run_command(argv, timeout);
  curl_result result;
  result.exit_code = run.exit_code;
  result.status = run.stdout_text.empty() ? 0 : std::strtol(run.stdout_text.c_str(), nullptr, 10);
  result.body = read_file(body);
  result.headers = read_file(headers);
  result.stderr_text = run.stderr_text;
  return result;
}

std::vector<std::string> header_values(const std::string& headers, std::string_view name) {
  // The last head starts at the last status line and ends at its blank line
  // (curl -D appends chunked trailers after that; they are not included).
  std::string_view all(headers);
  const auto status_line = all.rfind("\nHTTP/");
  if (status_line != std::string_view::npos) all.remove_prefix(status_line + 1);
  all = all.substr(0, all.find("\r\n\r\n"));

  std::vector<std::string> values;
  std::size_t pos = 0;
  while (pos < all.size()) {
    const auto eol = all.find("\r\n", pos);
    const auto line = all.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? all.size() : eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < colon; ++i)
      same = same && std::tolower(static_cast<unsigned char>(line[i])) == std::tolower(static_cast<unsigned char>(name[i]));
    if (!same) continue;
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    values.emplace_back(value);
  }
  return values;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::optional<double> metric(const gateway_process& gw, std::string_view name) {
  const auto r = run_curl({gw.url() + "/metrics"}, 10s);
  if (r.status != 200) return std::nullopt;
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > name.size() && line.starts_with(name) && line[name.size()] == ' ')
      return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return std::nullopt;
}

std::optional<double> wait_streams_zero(const gateway_process& gw, std::chrono::milliseconds timeout) {
  std::optional<double> v;
  wait_until([&] {
    v = metric(gw, "warren_streams");
    return v && *v == 0;
  }, timeout, 100ms);
  return v;
}

}  // namespace warren::test
