#pragma once
// One request record as one line of JSON (with its '\n'):
//   {"time":"2024-05-01T12:34:56.789Z","tunnel":"demo","method":"GET",
//    "path":"/hook","host":"demo.example.com","status":200,"bytes_in":0,
//    "bytes_out":512,"duration_ms":1.25E1,"client_ip":"203.0.113.7",
//    "user_agent":"curl/7.88.1"}
// Strings come from the public, so bytes that are not UTF-8 become U+FFFD:
// every line stays valid JSON.
#include <warren/request_log_sink.hpp>

#include <chrono>
#include <string>

namespace warren::log_file {

std::string json_line(const request_record& r);

// RFC 3339 in UTC with milliseconds: "2024-05-01T12:34:56.789Z".
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

// `s` with every byte that is not part of a well-formed UTF-8 sequence
// replaced by U+FFFD.
std::string valid_utf8(std::string_view s);

}  // namespace warren::log_file
