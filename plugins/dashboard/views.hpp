#pragma once
// The admin API's JSON for the SDK's records (docs/API.md): one function per
// kind of object, shared by every route that shows it. Times are ISO 8601
// strings or null; empty optional text is null.
#include <warren/gateway_admin.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace warren::dashboard {

boost::json::value time_json(const std::optional<time_point>& t);
boost::json::object user_json(const user_record& user);
boost::json::object tunnel_json(const tunnel_view& tunnel);
boost::json::object live_tunnel_json(const live_tunnel_view& view);
// {key, prefix, connect_command}: the key is shown to the user once, and
// never logged.
boost::json::object key_json(const issued_key& key);
boost::json::object audit_json(const audit_entry& entry);
boost::json::object login_option_json(const login_option& option);

}  // namespace warren::dashboard
