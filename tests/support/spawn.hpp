// posix_spawn with redirections: shared by `process` and run_curl.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace warren::test::detail {

// Starts argv[0] (searched in PATH if it has no '/') with stdin from
// /dev/null and stdout/stderr appended to the given files (the same file for
// both is fine). The child inherits no descriptor above 2 from this process,
// so a test's own sockets never stay open in a child. Throws
// std::runtime_error if the spawn fails.
pid_t spawn(const std::vector<std::string>& argv,
            const std::vector<std::pair<std::string, std::string>>& extra_env,
            const std::filesystem::path& stdout_file, const std::filesystem::path& stderr_file,
            const std::filesystem::path& cwd);

// A new empty file under /tmp named PREFIX-XXXXXX.
std::filesystem::path make_temp_file(const std::string& prefix);

}  // namespace warren::test::detail
