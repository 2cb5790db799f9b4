#pragma once
// Queries more than one store call runs.
#include <soci_store/dialect.hpp>

#include <warren/store.hpp>

#include <soci/soci.h>

#include <optional>
#include <string>
#include <string_view>

namespace warren::soci_store {

// "no tunnel named \"name\"", for errc::not_found.
std::string no_tunnel(std::string_view name);

// The tunnel named `name`, with its owner's name and active key.
std::optional<tunnel_record> select_tunnel(soci::session& s, const std::string& name);

// The id of the tunnel named `name`, locked until the write transaction that
// must be open ends.
std::optional<long long> lock_tunnel(soci::session& s, const dialect& d, const std::string& name);

}  // namespace warren::soci_store
