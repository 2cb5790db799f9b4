#pragma once
// Driver messages made fit for an operator's log and for result messages.
#include <soci/error.h>

#include <span>
#include <string>
#include <string_view>

namespace warren::soci_store {

// One line from a SOCI exception: SOCI's own boilerplate ("Cannot execute
// query. Fatal error.") and the server's DETAIL/CONTEXT lines, which quote
// row values, are dropped; each of `secrets` (bound values such as key hashes
// or setting values) is replaced by "***". Built from get_error_message(),
// never what(), which appends the statement with its bound values.
std::string describe(const soci::soci_error& e, std::span<const std::string_view> secrets = {});

}  // namespace warren::soci_store
