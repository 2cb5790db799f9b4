#include "oauth/settings.hpp"

#include "oauth/names.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>

namespace warren::oauth {
namespace {

using namespace std::chrono_literals;

// /login/setup is the host's own (the one-time local admin link).
constexpr std::string_view reserved_id = "setup";

std::string read_id(const config_table& config, std::string_view fallback) {
    std::string id = config.string("id", fallback);
    const bool url_safe = std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (id.empty() || id.size() > 32 || !url_safe || id.front() == '-' || id.back() == '-')
        config.fail("id",
                    "must be 1-32 of a-z, 0-9 and '-', not starting or ending with '-' "
                    "(it is the login URL /login/<id>; got \"" +
                        id + "\")");
    if (id == reserved_id) config.fail("id", "\"setup\" is taken by the gateway's /login/setup");
    return id;
}

std::string read_display_name(const config_table& config, std::string_view fallback) {
    std::string name = config.string("display_name", fallback);
    const bool printable = std::none_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (name.empty() || name.size() > 64 || !printable)
        config.fail("display_name", "must be 1-64 printable characters");
    return name;
}

bool is_loopback(const boost::urls::url_view& url) {
    const auto host = url.encoded_host();
    return host == "localhost" || host == "[::1]" ||
           (url.host_type() == boost::urls::host_type::ipv4 && host.starts_with("127."));
}

// An http(s) URL without user, query or fragment, its trailing '/' dropped.
std::string read_url(const config_table& config, std::string_view key, const std::string& fallback,
                     logger& log) {
    const std::string value = config.string(key, fallback);
    // A user:password@ part is refused; do not echo it into the message.
    const std::string shown =
        value.find('@') == std::string::npos ? " (got \"" + value + "\")" : "";
    const auto parsed = boost::urls::parse_absolute_uri(value);
    if (!parsed) config.fail(key, "expected an http:// or https:// URL" + shown);
    const auto scheme = parsed->scheme_id();
    if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https)
        config.fail(key, "expected an http:// or https:// URL" + shown);
    if (parsed->encoded_host().empty()) config.fail(key, "has no host" + shown);
    if (parsed->has_userinfo()) config.fail(key, "must not contain a user name or password");
    if (parsed->has_query()) config.fail(key, "must not have a query" + shown);
    if (scheme == boost::urls::scheme::http && !is_loopback(*parsed))
        log.warn(
            std::string(key) + " " + value +
            " is plain http: codes, tokens and the client secret cross the network unencrypted");
    std::string out = value;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

// Words of `text` split at white space and commas.
std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == ',' || c == '\n') {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::vector<std::string> read_names(const config_table& config, std::string_view key,
                                    std::string_view trim) {
    auto names = config.string_list(key);
    for (auto& name : names) {
        const auto first = name.find_first_not_of(trim);
        const auto last = name.find_last_not_of(trim);
        name = first == std::string::npos ? std::string() : name.substr(first, last - first + 1);
        if (name.empty()) config.fail(key, "must not contain an empty name");
    }
    return names;
}

std::string read_scopes(const config_table& config, const provider_defaults& defaults,
                        const std::vector<std::string>& allowed, logger& log) {
    const auto covering = words(defaults.allowed_scopes);
    if (!config.has("scopes")) {
        std::string scopes(defaults.scopes);
        if (!allowed.empty() && !covering.empty()) scopes += " " + covering.front();
        return scopes;
    }
    std::vector<std::string> scopes;
    for (const auto& entry : config.string_list("scopes"))
        for (auto& w : words(entry)) scopes.push_back(std::move(w));
    if (scopes.empty()) config.fail("scopes", "must name at least one scope");
    const bool covered = std::any_of(covering.begin(), covering.end(), [&](const std::string& s) {
        return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
    });
    if (!allowed.empty() && !covering.empty() && !covered)
        log.warn("scopes leaves out " + covering.front() + ", which " +
                 std::string(defaults.allowed_key) +
                 " needs to see a user's memberships; sign-ins may be refused");
    return join(scopes, " ");
}

}  // namespace

provider_settings read_settings(const config_table& config, const provider_defaults& defaults,
                                logger& log) {
    provider_settings s;
    s.id = read_id(config, defaults.id);
    s.display_name = read_display_name(config, defaults.display_name);
    s.client_id = config.required_string("client_id");
    s.client_secret = config.secret_from_env("client_secret_env");
    s.base_url = read_url(config, "base_url", std::string(defaults.base_url), log);
    const std::string api_fallback = defaults.api_url.starts_with('/')
                                         ? s.base_url + std::string(defaults.api_url)
                                         : std::string(defaults.api_url);
    s.api_url = read_url(config, "api_url", api_fallback, log);
    s.admins = read_names(config, "admins", " \t");
    s.allowed = read_names(config, defaults.allowed_key, " \t/");
    s.scopes = read_scopes(config, defaults, s.allowed, log);
    s.timeout = config.duration("timeout", 10s, 100ms, 2min);
    return s;
}

}  // namespace warren::oauth
