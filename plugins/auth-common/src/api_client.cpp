#include "oauth/api_client.hpp"

#include "oauth/json_fields.hpp"
#include "oauth/names.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <array>

namespace warren::oauth {
namespace {

std::string encode(std::string_view s) {
    return boost::urls::encode(s, boost::urls::unreserved_chars);
}

// Error codes the provider chose are shown to users and operators: keep
// them when they look like one ("bad_verification_code"), never echo
// anything longer.
std::string safe_error_code(std::string_view code) {
    const bool plain =
        !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-' || c == '.';
        });
    return plain ? std::string(code) : std::string("an unexpected error");
}

// Errors about the gateway's registration, not about the user's code.
bool is_client_error(std::string_view code) {
    constexpr std::array<std::string_view, 6> client_errors{
        "incorrect_client_credentials", "invalid_client",         "unauthorized_client",
        "redirect_uri_mismatch",        "unsupported_grant_type", "invalid_scope"};
    return std::find(client_errors.begin(), client_errors.end(), code) != client_errors.end();
}

std::uint16_t effective_port(const boost::urls::url_view& u) {
    if (u.has_port()) return u.port_number();
    return u.scheme_id() == boost::urls::scheme::https ? 443 : 80;
}

// A next-page link is followed only to where the first page came from: the
// bearer token goes with it.
bool same_origin(std::string_view a, std::string_view b) {
    const auto ua = boost::urls::parse_absolute_uri(a);
    const auto ub = boost::urls::parse_absolute_uri(b);
    return ua && ub && ua->scheme_id() == ub->scheme_id() &&
           iequals(ua->encoded_host(), ub->encoded_host()) &&
           effective_port(*ua) == effective_port(*ub);
}

}  // namespace

std::string form_encode(const form_fields& fields) {
    std::string out;
    for (const auto& [key, value] : fields) {
        if (!out.empty()) out += '&';
        out += encode(key);
        out += '=';
        out += encode(value);
    }
    return out;
}

std::string with_query(std::string_view base, const form_fields& params) {
    boost::urls::url url(base);
    std::string query(url.encoded_query());
    const std::string added = form_encode(params);
    if (!query.empty() && !added.empty()) query += '&';
    query += added;
    url.set_encoded_query(query);
    return std::string(url.buffer());
}

std::string next_link(std::string_view header) {
    // link-value = "<" URI-Reference ">" *( ";" link-param ), comma-separated.
    std::size_t pos = 0;
    while (pos < header.size()) {
        const auto open = header.find('<', pos);
        if (open == std::string_view::npos) break;
        const auto close = header.find('>', open);
        if (close == std::string_view::npos) break;
        const auto target = header.substr(open + 1, close - open - 1);
        const auto end = header.find('<', close);
        auto params = header.substr(
            close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
        for (auto rel = params.find("rel="); rel != std::string_view::npos;
             rel = params.find("rel=", rel + 4)) {
            auto value = params.substr(rel + 4);
            if (!value.empty() && value.front() == '"') {
                value.remove_prefix(1);
                value = value.substr(0, value.find('"'));
            } else {
                value = value.substr(0, value.find_first_of(";, "));
            }
            // A rel may hold several space-separated types: "next last".
            std::size_t word = 0;
            while (word < value.size()) {
                const auto space = value.find(' ', word);
                const auto type = value.substr(word, space - word);
                if (iequals(type, "next")) return std::string(target);
                if (space == std::string_view::npos) break;
                word = space + 1;
            }
        }
        pos = close + 1;
    }
    return {};
}

api_client::api_client(http_client& http, std::string provider, std::chrono::milliseconds timeout,
                       std::vector<http_header> api_headers)
    : http_(http),
      provider_(std::move(provider)),
      timeout_(timeout),
      api_headers_(std::move(api_headers)) {}

result<http_client_response> api_client::send(http_client_request request,
                                              std::string_view what) const {
    request.timeout = timeout_;
    auto response = http_.send(request);
    // The client's message names the host, port and the step that failed
    // (connect, TLS, timeout), never the request's path, headers or body.
    if (!response)
        return {errc::unavailable, provider_ + " could not be reached for " + std::string(what) +
                                       ": " + response.error().message};
    return response;
}

result<std::string> api_client::exchange_code(const std::string& token_url,
                                              const form_fields& form) const {
    constexpr std::string_view what = "the token request";
    http_client_request request;
    request.method = "POST";
    request.url = token_url;
    request.headers = {{"Accept", "application/json"},
                       {"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = form_encode(form);
    auto response = send(std::move(request), what);
    if (!response) return response.error();

    const int status = response->status;
    if (status >= 500)
        return {errc::unavailable,
                provider_ + " answered " + std::to_string(status) + " to " + std::string(what)};
    boost::system::error_code ec;
    const auto body = boost::json::parse(response->body, ec);
    const auto* object = ec ? nullptr : body.if_object();
    if (object != nullptr) {
        if (const auto error = string_field(*object, "error"); !error.empty()) {
            const auto code = safe_error_code(error);
            if (is_client_error(error))
                return {errc::internal, provider_ + " refused the gateway's OAuth application (" +
                                            code +
                                            "): check client_id, client_secret_env and the "
                                            "application's callback URL"};
            return {errc::unauthorized, provider_ + " refused the sign-in: " + code};
        }
        if (status >= 200 && status < 300) {
            if (auto token = string_field(*object, "access_token"); !token.empty()) return token;
        }
    }
    return {errc::unavailable, provider_ + " answered " + std::string(what) + " with status " +
                                   std::to_string(status) + " and no access token"};
}

result<api_client::page> api_client::fetch(const std::string& url, const std::string& token,
                                           std::string_view what) const {
    http_client_request request;
    request.url = url;
    request.headers = api_headers_;
    request.headers.push_back({"Authorization", "Bearer " + token});
    auto response = send(std::move(request), what);
    if (!response) return response.error();

    const int status = response->status;
    if (status == 401)
        return {errc::unauthorized, provider_ +
                                        " did not accept the access token it had just issued (" +
                                        std::string(what) + "); please sign in again"};
    if (status < 200 || status >= 300)
        return {errc::unavailable, provider_ + " answered " + std::to_string(status) +
                                       " to the request for " + std::string(what)};
    boost::system::error_code ec;
    page out;
    out.body = boost::json::parse(response->body, ec);
    if (ec)
        return {errc::unavailable, provider_ + " answered the request for " + std::string(what) +
                                       " with something other than JSON"};
    out.next = next_link(response->header("Link"));
    return out;
}

result<boost::json::value> api_client::get(const std::string& url, const std::string& token,
                                           std::string_view what) const {
    auto page = fetch(url, token, what);
    if (!page) return page.error();
    return std::move(page->body);
}

result<bool> api_client::find_in_list(
    const std::string& url, const std::string& token, std::string_view what,
    const std::function<bool(const boost::json::value&)>& match) const {
    std::string next = url;
    for (int n = 0; n < max_pages && !next.empty(); ++n) {
        auto page = fetch(next, token, what);
        if (!page) return page.error();
        const auto* items = page->body.if_array();
        if (items == nullptr)
            return {errc::unavailable, provider_ + " answered the request for " +
                                           std::string(what) + " with something other than a list"};
        if (std::any_of(items->begin(), items->end(), match)) return true;
        if (!page->next.empty() && !same_origin(page->next, url))
            return {errc::unavailable, provider_ + " sent the next page of " + std::string(what) +
                                           " to another host; not following it"};
        next = std::move(page->next);
    }
    return false;
}

}  // namespace warren::oauth
