// How large the fault scenarios run: small under `make test`, the issue's
// figures with WARREN_FAULT_SCALE=full (or a number: a multiplier).
#pragma once

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace warren::test {

// `quick` under make test, `full` with WARREN_FAULT_SCALE=full; a number N
// gives quick * N, capped at full.
inline int fault_scale(int quick, int full) {
  const char* env = std::getenv("WARREN_FAULT_SCALE");
  if (!env || !*env) return quick;
  if (std::string_view(env) == "full") return full;
  const int n = std::atoi(env);
  return n > 0 ? std::min(quick * n, full) : quick;
}

}  // namespace warren::test
