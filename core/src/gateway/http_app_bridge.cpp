// Apex requests for an app (the [dashboard], the sign-in routes): the
// request is read whole (bodies up to max_app_body), checked and handed to
// the app on the blocking pool (app_gate.hpp), and its answer written back;
// the connection's strand serves nothing else meanwhile, as for any request
// on it.
#include "gateway/app_gate.hpp"
#include "gateway/blocking_pool.hpp"
#include "gateway/http_connection.hpp"
#include "gateway/streams.hpp"
#include "http/read.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/url/parse.hpp>


namespace warren {
namespace net = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t max_app_body = 1u << 20;

// Headers the host sets itself: the app's own would contradict the framing.
bool host_owned(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection") ||
           iequals(name, "keep-alive") || iequals(name, "content-type");
}

}  // namespace

template <class Stream>
warren::http_request http_connection<Stream>::app_request(const request_head& head) const {
    warren::http_request req;
    req.method = head.method;
    req.target = head.target;
    if (auto url = boost::urls::parse_origin_form(head.target)) {
        req.path = url->path();
        req.query = url->encoded_query();
    } else {
        req.path = head.target.substr(0, head.target.find('?'));
    }
    if (auto host = find_header(head.headers, "host")) req.host = *host;
    for (const auto& f : head.headers) req.headers.push_back({f.name, f.value});
    req.client_ip = client_ip_;
    req.secure = tls_ || ctx_.scheme == "https";
    return req;
}

template <class Stream>
net::awaitable<bool> http_connection<Stream>::serve_http_app(http::request_parser& parser, http_app& app) {
    const auto strand = co_await net::this_coro::executor;
    const request_head& head = parser.head();
    warren::http_request req = app_request(head);

    while (!parser.is_done()) {
        const std::size_t have = req.body.size();
        req.body.resize(have + http::read_chunk_bytes);
        parser.set_body_buffer(req.body.data() + have, http::read_chunk_bytes);
        arm(read_deadline_, ctx_.config.limits.idle_timeout, strand);
        const error_code ec = co_await http::async_read_body_some(stream_, buffer_, parser);
        disarm(read_deadline_);
        req.body.resize(have + parser.body_buffered());
        if (ec) {
            if (const unsigned status = http::status_for(ec)) {
                const bool ignored = co_await respond_error(status, http::to_http_error(ec).message(), nullptr, true);
                (void)ignored;
            }
            co_return false;
        }
        if (req.body.size() > max_app_body) {
            const bool ignored = co_await respond_error(413, "request body too large (1 MiB at most)", &parser, true);
            (void)ignored;
            co_return false;
        }
    }

    auto call = [&ctx = ctx_, &app, r = std::move(req)]() mutable { return answer_app_request(ctx, app, r); };
    const warren::http_response res = co_await run_blocking(*ctx_.blocking, std::move(call));

    simple_response out;
    out.status = res.status >= 100 && res.status <= 599 ? static_cast<unsigned>(res.status) : 500;
    out.head_only = head.method == "HEAD";
    out.body = res.body;
    if (auto type = warren::find_header(res.headers, "content-type"); !type.empty()) out.content_type = type;
    for (const auto& h : res.headers)
        if (!host_owned(h.name)) out.extra_headers.push_back({h.name, h.value});
    out.close = !parser.keep_alive();
    const bool ok = co_await respond(out);
    co_return ok && !out.close;
}

template warren::http_request http_connection<plain_stream>::app_request(const request_head&) const;
template warren::http_request http_connection<tls_stream>::app_request(const request_head&) const;
template net::awaitable<bool> http_connection<plain_stream>::serve_http_app(http::request_parser&, http_app&);
template net::awaitable<bool> http_connection<tls_stream>::serve_http_app(http::request_parser&, http_app&);

}  // namespace warren
