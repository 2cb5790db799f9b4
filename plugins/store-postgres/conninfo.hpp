#pragma once
// The libpq connection string the store connects with, built from the
// configured one.
//
// SOCI 4.0 does not hand the string to libpq as it is: it splits it at
// whitespace into key=value pairs (a value starting with a double quote runs
// to the next double quote, and loses both) and joins them again with single
// spaces. So the configured string has no whitespace inside a value or
// around an '=', and the password is encoded to survive that pass.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace warren::store_postgres {

// Why `configured` cannot be the `connection` setting (a URI, a password in
// it), or nothing when it can.
std::optional<std::string> conninfo_problem(std::string_view configured);

// Why `password` cannot reach libpq through SOCI (whitespace together with a
// double quote), or nothing when it can. Never quotes the password.
std::optional<std::string> password_problem(std::string_view password);

// `configured` with what the store needs around it: defaults the operator
// may override first (keepalives, so that a call on a connection to a
// vanished host fails within about a minute instead of hanging; an
// application_name for pg_stat_activity), then the connect timeout (whole
// seconds, rounded up) and the password, which the setting never holds.
std::string conninfo(std::string_view configured, std::chrono::milliseconds connect_timeout,
                     std::chrono::milliseconds statement_timeout,
                     const std::optional<std::string>& password);

}  // namespace warren::store_postgres
