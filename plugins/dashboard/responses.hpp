#pragma once
// The dashboard's answers: JSON and HTML that are never cached (they show
// one user's data), JSON errors as {"error": "<message>"}, and the mapping
// from the SDK's error categories to HTTP statuses.
#include <warren/http_app.hpp>
#include <warren/result.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace warren::dashboard {

// invalid 400, unauthorized 401, forbidden 403, not_found 404, conflict 409,
// unavailable 503, internal 500.
int status_for(errc code) noexcept;

http_response json_response(int status, const boost::json::value& body);
http_response json_error(int status, std::string_view message);
// The error's status and message; 503 also says when to try again.
http_response json_error(const error& e);
http_response html_response(int status, std::string body);
// One line of plain text, for pages' errors.
http_response text_response(int status, std::string_view message);
http_response redirect(std::string_view location);
http_response no_content();
// 405 for a path served with other methods: `allow` is "GET, HEAD".
http_response method_not_allowed(std::string_view allow, bool json);

}  // namespace warren::dashboard
