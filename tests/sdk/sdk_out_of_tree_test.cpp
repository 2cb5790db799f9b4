// What docs/PLUGINS.md promises a plugin author, end to end: install the SDK
// component of this build into a temporary prefix, configure and build
// examples/plugin-hello-sink against it in a CMake run of its own, load the
// .so into the real gateway by path and see its line for a request made
// through a real tunnel.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace warren::test {
namespace {

namespace fs = std::filesystem;

// Runs a command to completion within `timeout`; a failure shows its output.
// A DESTDIR or a parent make's jobserver flags (`make test`) in the
// environment belong to another build, not to this one.
void run(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  process p(std::move(argv), {{"DESTDIR", ""}, {"MAKEFLAGS", ""}, {"MFLAGS", ""}});
  const auto status = p.wait(timeout);
  ASSERT_TRUE(status) << "still running after " << timeout.count() << " ms: " << p.describe();
  ASSERT_EQ(*status, 0) << p.describe();
}

std::string text_of(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SdkOutOfTree, ExamplePluginBuiltAgainstTheInstalledSdkLogsThroughTheGateway) {
  temp_dir dir;
  const fs::path prefix = dir.path() / "prefix";
  const fs::path build = dir.path() / "hello-sink-build";
  const std::string cmake = WARREN_CMAKE_COMMAND;

  ASSERT_NO_FATAL_FAILURE(run({cmake, "--install", WARREN_BUILD_DIR, "--component", "sdk", "--prefix", prefix}, 60s));
  EXPECT_TRUE(fs::exists(prefix / "include" / "warren" / "plugin.hpp"));
  EXPECT_TRUE(fs::exists(prefix / "lib" / "cmake" / "WarrenSDK" / "WarrenSDKConfigVersion.cmake"));
  EXPECT_FALSE(fs::exists(prefix / "bin")) << "component sdk installed the gateway too";

  ASSERT_NO_FATAL_FAILURE(run({cmake, "-S", WARREN_EXAMPLE_DIR, "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix.string(),
                               "-DCMAKE_CXX_COMPILER=" WARREN_CXX_COMPILER, "-DCMAKE_BUILD_TYPE=Release"},
                              120s));
  ASSERT_NO_FATAL_FAILURE(run({cmake, "--build", build, "-j", "2"}, 300s));
  const fs::path plugin = build / "hello-sink.so";
  ASSERT_TRUE(fs::exists(plugin));

  auto origin = start_origin();
  auto gw = start_gateway(dir, "[[request_log]]\n"
                               "plugin = \"" + plugin.string() + "\"\n"
                               "path = \"hello.log\"\n");
  auto cl = start_client(gw.port, origin.port, {"--quiet"});
  const auto r = run_curl({cl.url + "/status/201?secret=1"});
  ASSERT_EQ(r.status, 201) << r.stderr_text;

  const fs::path log = dir.path() / "hello.log";  // relative to gateway.toml
  EXPECT_TRUE(wait_until([&] { return text_of(log) == "hello GET /status/201 201\n"; }, 20s))
      << "hello.log: \"" << text_of(log) << "\"\n" << gw.proc.describe();
}

}  // namespace
}  // namespace warren::test
