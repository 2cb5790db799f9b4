#include "origin_request.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstring>

namespace warren::test {

namespace http = boost::beast::http;

request_parser::request_parser() {
  // The origin stands behind the gateway: the gateway's limits are the ones
  // under test, so the origin accepts any body and generous headers.
  body_limit(boost::none);
  header_limit(1024 * 1024);
}

std::optional<std::string_view> request_parser::header(std::string_view name) const {
  for (const auto& [n, v] : headers_)
    if (boost::beast::iequals(n, name)) return v;
  return std::nullopt;
}

void request_parser::set_window(char* data, std::size_t size) {
  window_ = data;
  window_size_ = size;
  window_used_ = 0;
}

void request_parser::on_request_impl(http::verb method, string_view method_str,
                                     string_view target, int version, error_code&) {
  method_ = method;
  method_string_ = method_str;
  target_ = target;
  version_ = static_cast<unsigned>(version);
}

void request_parser::on_field_impl(http::field, string_view name_string, string_view value,
                                   error_code&) {
  (header_done_ ? trailers_ : headers_).emplace_back(name_string, value);
}

void request_parser::on_header_impl(error_code&) { header_done_ = true; }

void request_parser::on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) {}

std::size_t request_parser::on_body_impl(string_view body, error_code& ec) {
  const std::size_t n = std::min(body.size(), window_size_ - window_used_);
  if (n > 0) std::memcpy(window_ + window_used_, body.data(), n);
  window_used_ += n;
  if (n < body.size()) ec = http::error::need_buffer;
  return n;
}

void request_parser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t request_parser::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

void request_parser::on_finish_impl(error_code&) {}

}  // namespace warren::test
