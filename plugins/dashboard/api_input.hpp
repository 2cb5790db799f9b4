#pragma once
// Reading what a client sends the admin API: JSON bodies, path parameters and
// query parameters. Each reader returns the value or an errc::invalid error
// whose message says what was expected (the API answers it with 400).
#include <warren/result.hpp>
#include <warren/store.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace warren::dashboard {

// A JSON object with no keys but `allowed`; an empty body reads as {}.
result<boost::json::object> parse_body(std::string_view body,
                                       std::initializer_list<std::string_view> allowed);

// Optional members of a body: nullopt when absent, an error when of another type.
result<std::optional<std::string>> string_member(const boost::json::object& o,
                                                 std::string_view key);
result<std::optional<bool>> bool_member(const boost::json::object& o, std::string_view key);

// A tunnel name in a path: a DNS label (1-63 of [a-z0-9-], no '-' at either end).
result<std::string> tunnel_name_param(std::string_view segment);
// A user id in a path: a positive decimal integer.
result<user_id> user_id_param(std::string_view segment);

// A yes/no query parameter: absent, "", "0" or "false" is no; "1" or "true" is yes.
result<bool> flag_param(const std::optional<std::string>& value, std::string_view name);
// ?limit= of the audit log: 1-1000, `fallback` when absent.
result<std::size_t> limit_param(const std::optional<std::string>& value, std::size_t fallback);
// ?since=: an ISO 8601 time, nullopt when absent or empty.
result<std::optional<time_point>> time_param(const std::optional<std::string>& value,
                                             std::string_view name);

// An API token's lifetime in the SDK's duration syntax ("90d", "12h", "1d12h");
// the host checks the range (1 minute to 366 days).
result<std::chrono::seconds> token_ttl(std::string_view text);

}  // namespace warren::dashboard
