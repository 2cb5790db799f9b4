// The test origin's request parser: a Beast basic_parser that keeps what the
// stock http::parser loses, because the origin's job is to report exactly
// what reached it. Fields stay in arrival order (basic_fields regroups
// duplicates), trailers stay apart from headers (http::parser merges them),
// and the body lands in a caller-owned window like buffer_body, so bodies of
// any size pass in bounded memory.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace warren::test {

using field_list = std::vector<std::pair<std::string, std::string>>;

class request_parser final : public boost::beast::http::basic_parser<true> {
public:
  request_parser();

  boost::beast::http::verb method() const { return method_; }
  const std::string& method_string() const { return method_string_; }
  const std::string& target() const { return target_; }
  unsigned version() const { return version_; }
  const field_list& headers() const { return headers_; }
  const field_list& trailers() const { return trailers_; }
  // The first header of that name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;

  // Where the next body bytes go. Parsing stops with http::error::need_buffer
  // once the window is full; bytes_in_window() says how many arrived.
  void set_window(char* data, std::size_t size);
  std::size_t bytes_in_window() const { return window_used_; }

private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_str, string_view target,
                       int version, error_code& ec) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code& ec) override;

  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  std::string method_string_;
  std::string target_;
  unsigned version_ = 11;
  field_list headers_;
  field_list trailers_;
  bool header_done_ = false;
  char* window_ = nullptr;
  std::size_t window_size_ = 0;
  std::size_t window_used_ = 0;
};

}  // namespace warren::test
