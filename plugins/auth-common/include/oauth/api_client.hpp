#pragma once
// Calls to an OAuth provider through host_services::http(): the
// code-for-token exchange and the JSON API requests made with the access
// token. Every failure comes back as the errc the host acts on:
//
//   unauthorized  the provider refused the code: unknown, used, expired, or
//                 the PKCE verifier does not match (the user may try again);
//   internal      the provider refused the gateway itself: client id or
//                 secret, callback URL (the operator's to fix);
//   unavailable   not reachable, timed out, 5xx, rate limited, or an answer
//                 that is not what the API promises.
//
// Messages name the provider and the step ("GitHub answered 502 to the
// token request"), never a code, verifier, secret or token: those travel in
// request bodies and headers only, and the host's client leaves bodies,
// headers and queries out of its own errors.
//
// Threading: every method is const and thread-safe (the host's client is).
#include <warren/http_client.hpp>
#include <warren/result.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warren::oauth {

using form_fields = std::vector<std::pair<std::string, std::string>>;

// `fields` as application/x-www-form-urlencoded, every byte but the
// unreserved ones (A-Z a-z 0-9 - . _ ~) percent-encoded, so a '+' or '&' in
// a secret survives.
std::string form_encode(const form_fields& fields);

// `base` (an absolute URL) with `params` appended to its query, encoded like
// form_encode().
std::string with_query(std::string_view base, const form_fields& params);

class api_client {
public:
    // `provider` names it in messages ("GitHub"); `api_headers` go with every
    // API request (Accept, version headers), besides the bearer token.
    api_client(http_client& http, std::string provider, std::chrono::milliseconds timeout,
               std::vector<http_header> api_headers);

    // POSTs `form` to `token_url`, asking for JSON, and returns the access
    // token. Both dialects are understood: an error object with status 200
    // (GitHub) or with 400/401 (GitLab, RFC 6749).
    result<std::string> exchange_code(const std::string& token_url, const form_fields& form) const;

    // GETs `url` with the token; the JSON answer of a 2xx. `what` names the
    // request in messages: "the user's profile".
    result<boost::json::value> get(const std::string& url, const std::string& token,
                                   std::string_view what) const;

    // GETs a JSON array page by page (following `Link: <...>; rel="next"`
    // on the same origin, at most max_pages pages) and calls `match` on each
    // element until it returns true. Whether one did.
    static constexpr int max_pages = 20;
    result<bool> find_in_list(const std::string& url, const std::string& token,
                              std::string_view what,
                              const std::function<bool(const boost::json::value&)>& match) const;

private:
    struct page {
        boost::json::value body;
        std::string next;  // the next page's URL, empty at the end
    };
    result<page> fetch(const std::string& url, const std::string& token,
                       std::string_view what) const;
    result<http_client_response> send(http_client_request request, std::string_view what) const;

    http_client& http_;
    std::string provider_;
    std::chrono::milliseconds timeout_;
    std::vector<http_header> api_headers_;
};

// The "next" target of an RFC 8288 Link header value, empty when none.
std::string next_link(std::string_view link_header);

}  // namespace warren::oauth
