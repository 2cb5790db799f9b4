#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness.hpp"
#include "spawn.hpp"

extern char** environ;

namespace warren::test {

namespace detail {

std::filesystem::path make_temp_file(const std::string& prefix) {
  std::string path = "/tmp/" + prefix + "-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) throw std::runtime_error("mkstemp " + path + ": " + std::strerror(errno));
  close(fd);
  return path;
}

pid_t spawn(const std::vector<std::string>& argv,
            const std::vector<std::pair<std::string, std::string>>& extra_env,
            const std::filesystem::path& stdout_file, const std::filesystem::path& stderr_file,
            const std::filesystem::path& cwd) {
  if (argv.empty()) throw std::runtime_error("spawn: empty argv");

  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto key = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [k, v] : extra_env) overridden = overridden || k == key;
    if (!overridden) env.emplace_back(entry);
  }
  for (const auto& [k, v] : extra_env) env.push_back(k + "=" + v);

  std::vector<char*> argv_c;
  for (const auto& a : argv) argv_c.push_back(const_cast<char*>(a.c_str()));
  argv_c.push_back(nullptr);
  std::vector<char*> env_c;
  for (const auto& e : env) env_c.push_back(const_cast<char*>(e.c_str()));
  env_c.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  constexpr int out_flags = O_WRONLY | O_CREAT | O_APPEND;
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_file.c_str(), out_flags, 0644);
  if (stderr_file == stdout_file)
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, stderr_file.c_str(), out_flags, 0644);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

  pid_t pid = -1;
  const bool search = argv[0].find('/') == std::string::npos;
  const int rc = search ? posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, argv_c.data(), env_c.data())
                        : posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("spawn " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

}  // namespace detail

namespace {

int decode_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string last_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (std::size_t n = 0; n < lines && pos > 0; ++n) {
    const auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return pos == 0 ? text : text.substr(pos + 1);
}

constexpr auto poll_interval = 10ms;

}  // namespace

process::process(std::vector<std::string> argv, env_list extra_env, std::filesystem::path log_file,
                 std::filesystem::path cwd)
    : name_(argv.empty() ? std::string() : std::filesystem::path(argv[0]).filename().string()),
      log_file_(std::move(log_file)) {
  if (log_file_.empty()) {
    log_file_ = detail::make_temp_file("warren-log-" + name_);
    owns_log_ = true;
  }
  pid_ = detail::spawn(argv, extra_env, log_file_, log_file_, cwd);
}

process::process(process&& other) noexcept
    : name_(std::move(other.name_)),
      pid_(std::exchange(other.pid_, -1)),
      log_file_(std::move(other.log_file_)),
      owns_log_(std::exchange(other.owns_log_, false)),
      dump_on_failure_(other.dump_on_failure_),
      exit_status_(other.exit_status_) {}

// Swapping hands our old child to `other`, whose destructor ends it.
process& process::operator=(process&& other) noexcept {
  std::swap(name_, other.name_);
  std::swap(pid_, other.pid_);
  std::swap(log_file_, other.log_file_);
  std::swap(owns_log_, other.owns_log_);
  std::swap(dump_on_failure_, other.dump_on_failure_);
  std::swap(exit_status_, other.exit_status_);
  return *this;
}

process::~process() {
  if (pid_ <= 0) return;
  if (dump_on_failure_ && ::testing::Test::HasFailure()) std::cerr << describe() << std::endl;
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    int st = 0;
    if (::waitpid(pid_, &st, 0) == pid_) reap(st);
  }
  if (owns_log_) {
    std::error_code ignored;
    std::filesystem::remove(log_file_, ignored);
  }
}

void process::reap(int wait_status) const { exit_status_ = decode_status(wait_status); }

bool process::running() const {
  if (pid_ <= 0 || exit_status_) return false;
  int st = 0;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    reap(st);
    return false;
  }
  return true;
}

void process::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> process::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(poll_interval);
  }
  return exit_status_;
}

int process::stop(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto st = wait(grace)) return *st;
  signal(SIGKILL);
  return wait(std::chrono::hours(1)).value_or(-1);
}

std::string process::output() const { return read_file(log_file_); }

std::optional<std::vector<std::string>> process::wait_for_output(const std::regex& re,
                                                                 std::chrono::milliseconds timeout,
                                                                 std::size_t occurrence) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Read before checking liveness, so lines written just before an exit count.
    const bool was_running = running();
    const std::string text = output();
    std::size_t seen = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
      if (++seen < occurrence) continue;
      std::vector<std::string> groups;
      for (const auto& g : *it) groups.push_back(g.str());
      return groups;
    }
    const bool timed_out = std::chrono::steady_clock::now() >= deadline;
    if (!was_running || timed_out) {
      ADD_FAILURE() << "waiting for output #" << occurrence << " matching the expected pattern: "
                    << (timed_out ? "timed out after " + std::to_string(timeout.count()) + " ms"
                                  : std::string("the process exited"))
                    << "\n" << describe();
      return std::nullopt;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

std::string process::describe(std::size_t tail_lines) const {
  std::ostringstream out;
  out << name_ << " (pid " << pid_ << ", ";
  if (running()) out << "running";
  else out << "exited with " << exit_status_.value_or(-1);
  out << "), last " << tail_lines << " lines of " << log_file_.string() << ":\n"
      << last_lines(output(), tail_lines);
  return out.str();
}

long process::rss_kb() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::strtol(line.c_str() + 6, nullptr, 10);
  return -1;
}

}  // namespace warren::test
