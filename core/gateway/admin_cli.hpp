#pragma once
// The admin commands of warren-gateway, run against the configured store
// (they may run while the gateway serves: SQLite is in WAL mode, PostgreSQL
// is PostgreSQL):
//   tunnels create NAME [--user U] | tunnels list | tunnels delete NAME
//   keys issue NAME | keys revoke NAME
//   users list | users create NAME [--admin]
//   audit [--since 1h] [--event E] [--tunnel T] [--user U] [--limit N]
//   setup-link | api-tokens issue --user U [--ttl 30d]
#include "config/gateway_config.hpp"

#include <warren/store.hpp>

#include <iosfwd>
#include <string>
#include <vector>

namespace warren {

// Whether `word` starts an admin command (so main knows to run one).
bool is_admin_command(std::string_view word);

// Runs one command; output for people on `out`, problems on `err`. Returns
// the exit status: 0 done, 1 refused or failed (not found, conflict, store
// down), 2 bad usage.
int run_admin_command(const std::vector<std::string>& args, const gateway_config& config, store& s,
                      std::ostream& out, std::ostream& err);

// The usage text of the commands above, for --help.
std::string admin_usage();

}  // namespace warren
