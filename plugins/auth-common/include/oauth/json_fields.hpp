#pragma once
// Reading the fields of provider answers without trusting their shape: a
// field that is missing, null or of another type reads as empty, so a
// profile with "name": null is simply a profile without a name.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace warren::oauth {

// The string at `key`, or empty.
std::string string_field(const boost::json::object& o, std::string_view key);
std::string string_field(const boost::json::value& v, std::string_view key);

// An id as a string: a JSON integer (GitHub, GitLab) or a string (OpenID
// `sub`); empty when it is neither.
std::string id_field(const boost::json::object& o, std::string_view key);

// Whether `key` is the boolean true.
bool true_field(const boost::json::object& o, std::string_view key);

}  // namespace warren::oauth
