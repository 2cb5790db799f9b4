#pragma once
// Comparing and listing the names users and operators type: usernames,
// GitHub organizations, GitLab group paths. GitHub and GitLab both treat
// them as unique regardless of case, so every comparison here ignores
// (ASCII) case.
#include <string>
#include <string_view>
#include <vector>

namespace warren::oauth {

bool iequals(std::string_view a, std::string_view b) noexcept;

// Whether `name` is in `list`, ignoring case.
bool contains_name(const std::vector<std::string>& list, std::string_view name) noexcept;

// Whether the GitLab group `path` is `allowed` or one of its subgroups
// ("acme/dev/tools" is in "acme" and in "acme/dev", not in "acm").
bool in_group(std::string_view path, std::string_view allowed) noexcept;

// "acme, widgets", for messages.
std::string join(const std::vector<std::string>& list, std::string_view separator = ", ");

}  // namespace warren::oauth
