#include "responses.hpp"

#include <boost/json/serialize.hpp>

namespace warren::dashboard {

namespace {

constexpr std::string_view no_store = "no-store";

}  // namespace

int status_for(errc code) noexcept {
    switch (code) {
        case errc::invalid: return 400;
        case errc::unauthorized: return 401;
        case errc::forbidden: return 403;
        case errc::not_found: return 404;
        case errc::conflict: return 409;
        case errc::unavailable: return 503;
        case errc::internal: return 500;
    }
    return 500;
}

http_response json_response(int status, const boost::json::value& body) {
    return {status,
            {{"Content-Type", "application/json"}, {"Cache-Control", std::string(no_store)}},
            boost::json::serialize(body)};
}

http_response json_error(int status, std::string_view message) {
    http_response r = json_response(status, boost::json::object{{"error", message}});
    if (status == 401) r.headers.push_back({"WWW-Authenticate", "Bearer realm=\"warren\""});
    if (status == 503) r.headers.push_back({"Retry-After", "5"});
    return r;
}

http_response json_error(const error& e) {
    return json_error(status_for(e.code), e.message.empty() ? to_string(e.code) : e.message);
}

http_response html_response(int status, std::string body) {
    return {
        status,
        {{"Content-Type", "text/html; charset=utf-8"}, {"Cache-Control", std::string(no_store)}},
        std::move(body)};
}

http_response text_response(int status, std::string_view message) {
    return {
        status,
        {{"Content-Type", "text/plain; charset=utf-8"}, {"Cache-Control", std::string(no_store)}},
        std::string(message) + "\n"};
}

http_response redirect(std::string_view location) {
    return {
        302, {{"Location", std::string(location)}, {"Cache-Control", std::string(no_store)}}, {}};
}

http_response no_content() {
    return {204, {{"Cache-Control", std::string(no_store)}}, {}};
}

http_response method_not_allowed(std::string_view allow, bool json) {
    const std::string message = "method not allowed: use " + std::string(allow);
    http_response r = json ? json_error(405, message) : text_response(405, message);
    r.headers.push_back({"Allow", std::string(allow)});
    return r;
}

}  // namespace warren::dashboard
