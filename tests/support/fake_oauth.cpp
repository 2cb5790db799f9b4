#include "fake_oauth.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <stdexcept>

namespace warren::test {
namespace {

std::vector<std::string> argv_for(const fake_oauth::options& opts, const temp_dir& dir) {
    std::vector<std::string> argv{"python3",         fake_oauth_script().string(),
                                  "--port",          "0",
                                  "--client-id",     opts.client_id,
                                  "--client-secret", opts.client_secret};
    if (!opts.users_json.empty()) {
        const auto file = dir.path() / "users.json";
        std::ofstream(file) << opts.users_json;
        argv.insert(argv.end(), {"--users", file.string()});
    }
    return argv;
}

}  // namespace

std::filesystem::path fake_oauth_script() {
    if (const char* env = std::getenv("WARREN_FAKE_OAUTH_SCRIPT"); env != nullptr && *env != '\0')
        return env;
    return WARREN_FAKE_OAUTH_SCRIPT_PATH;  // tests/support/CMakeLists.txt
}

fake_oauth::fake_oauth() : fake_oauth(options{}) {}

fake_oauth::fake_oauth(options opts) : opts_(std::move(opts)), proc_(argv_for(opts_, dir_)) {
    const auto m = proc_.wait_for_output(
        std::regex(R"(fake-oauth listening on http://127\.0\.0\.1:(\d+))"), 20s);
    if (!m) throw std::runtime_error("fake_oauth_provider.py did not start:\n" + proc_.describe());
    port_ = static_cast<std::uint16_t>(std::stoi((*m)[1]));
}

std::string fake_oauth::url() const {
    return "http://127.0.0.1:" + std::to_string(port_);
}
std::string fake_oauth::github_base() const {
    return url() + "/github";
}
std::string fake_oauth::github_api() const {
    return url() + "/github-api";
}
std::string fake_oauth::gitlab_base() const {
    return url() + "/gitlab";
}
std::string fake_oauth::gitlab_api() const {
    return url() + "/gitlab/api/v4";
}

std::string fake_oauth::sign_in(const std::string& authorization_url, std::string_view login,
                                long* status) const {
    const char separator = authorization_url.find('?') == std::string::npos ? '?' : '&';
    const auto r =
        run_curl({authorization_url + separator + "login_as=" + std::string(login)}, 30s);
    if (status != nullptr) *status = r.status;
    if (r.status != 302) return {};
    const auto location = header_values(r.headers, "Location");
    return location.empty() ? std::string() : location.front();
}

void fake_oauth::control(const std::string& path, const std::string& json_body) const {
    const auto r = run_curl({"-X", "POST", "-H", "Content-Type: application/json", "--data-binary",
                             json_body, url() + path},
                            30s);
    if (r.status != 200)
        throw std::runtime_error("fake-oauth " + path + " answered " + std::to_string(r.status) +
                                 ": " + r.body + r.stderr_text + "\n" + proc_.describe());
}

void fake_oauth::set_users(const std::string& json_text) const {
    control("/_control/users", json_text);
}

std::string fake_oauth::requests_json() const {
    const auto r = run_curl({url() + "/_control/requests"}, 30s);
    if (r.status != 200)
        throw std::runtime_error("fake-oauth /_control/requests answered " +
                                 std::to_string(r.status) + "\n" + proc_.describe());
    return r.body;
}

void fake_oauth::reset() const {
    control("/_control/reset", "{}");
}

void fake_oauth::fail_next(int status, int count, const std::string& path,
                           const std::string& body) const {
    boost::json::object o{{"status", status}, {"count", count}};
    if (!path.empty()) o["path"] = path;
    if (!body.empty()) o["body"] = body;
    control("/_control/fail", boost::json::serialize(o));
}

void fake_oauth::delay_next(std::chrono::milliseconds delay, int count,
                            const std::string& path) const {
    boost::json::object o{{"seconds", static_cast<double>(delay.count()) / 1000.0},
                          {"count", count}};
    if (!path.empty()) o["path"] = path;
    control("/_control/delay", boost::json::serialize(o));
}

void fake_oauth::expire_codes() const {
    control("/_control/expire", "{}");
}

}  // namespace warren::test
