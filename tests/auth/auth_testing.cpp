#include "auth_testing.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/dll/shared_library.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <array>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace warren::test {

std::string auth_flavour::base(const fake_oauth& f) const {
    return id == "github" ? f.github_base() : f.gitlab_base();
}

std::string auth_flavour::api(const fake_oauth& f) const {
    return id == "github" ? f.github_api() : f.gitlab_api();
}

const auth_flavour& github_flavour() {
    static const auth_flavour f{"auth-github",
                                AUTH_GITHUB_PLUGIN,
                                "github",
                                "GitHub",
                                "allowed_orgs",
                                "read:user user:email",
                                "read:org",
                                "bad_verification_code",
                                "an organization",
                                "/github-api/user",
                                "/github/login/oauth/access_token",
                                "/github/login/oauth/authorize",
                                WARREN_SOURCE_DIR "/plugins/auth-github/gateway.toml"};
    return f;
}

const auth_flavour& gitlab_flavour() {
    static const auth_flavour f{"auth-gitlab",
                                AUTH_GITLAB_PLUGIN,
                                "gitlab",
                                "GitLab",
                                "allowed_groups",
                                "read_user",
                                "read_api",
                                "invalid_grant",
                                "a group",
                                "/gitlab/api/v4/user",
                                "/gitlab/oauth/token",
                                "/gitlab/oauth/authorize",
                                WARREN_SOURCE_DIR "/plugins/auth-gitlab/gateway.toml"};
    return f;
}

const plugin_descriptor& descriptor_of(const std::filesystem::path& library) {
    // Loaded once and kept until exit, as the gateway keeps its plugins.
    static std::mutex mutex;
    static std::map<std::filesystem::path, std::unique_ptr<boost::dll::shared_library>> loaded;
    const std::lock_guard lock(mutex);
    auto& lib = loaded[library];
    if (!lib) lib = std::make_unique<boost::dll::shared_library>(library);
    return *lib->get<plugin_entry_fn>(plugin_entry_symbol)();
}

config_table auth_table(const auth_flavour& f, const auth_settings& values) {
    std::map<std::string, config_table::entry, std::less<>> entries;
    int line = 2;
    for (const auto& [key, v] : values)
        entries[key] = {v, "gateway.toml:" + std::to_string(line++) + ":1"};
    return config_table("[[auth]] #1 (" + f.plugin + ")", "gateway.toml:1:1", {},
                        std::move(entries));
}

auth_settings working_settings(const auth_flavour& f, const fake_oauth& fake,
                               const std::string& secret_env) {
    ::setenv(secret_env.c_str(), fake.client_secret().c_str(), 1);
    return {{"client_id", fake.client_id()},
            {"client_secret_env", secret_env},
            {"base_url", f.base(fake)},
            {"api_url", f.api(fake)}};
}

made_provider make_provider(const auth_flavour& f, test_host& host, const config_table& config) {
    auto made = descriptor_of(f.library).create(host.context(f.plugin, config));
    return {std::move(made.object), std::move(made.error)};
}

namespace {

std::string base64url(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    const int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!out.empty() && out.back() == '=') out.pop_back();
    return out;
}

}  // namespace

pkce_pair make_pkce() {
    std::array<unsigned char, 32> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    pkce_pair p;
    p.verifier = base64url(random.data(), random.size());  // 43 characters, as RFC 7636 wants
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(p.verifier.data()), p.verifier.size(),
           digest.data());
    p.challenge = base64url(digest.data(), digest.size());
    return p;
}

std::map<std::string, std::string> query_of(std::string_view url) {
    std::map<std::string, std::string> out;
    const auto parsed = boost::urls::parse_uri_reference(url);
    if (!parsed) return out;
    for (const auto& p : parsed->params()) out[p.key] = p.value;
    return out;
}

callback browse_to_callback(const auth_provider& p, const fake_oauth& fake, std::string_view login,
                            const pkce_pair& pkce, const std::string& redirect_uri,
                            const std::string& state) {
    callback c;
    const auto url = p.authorization_url({redirect_uri, state, pkce.challenge});
    if (!url) throw std::runtime_error("authorization_url failed: " + url.error().message);
    c.authorization_url = *url;
    c.location = fake.sign_in(*url, login);
    auto q = query_of(c.location);
    c.code = q["code"];
    c.state = q["state"];
    return c;
}

made_provider auth_session::make(const auth_settings& extra,
                                 const std::vector<std::string>& without) {
    auto s = working_settings(f_, fake_);
    for (const auto& [k, v] : extra) s[k] = v;
    for (const auto& k : without) s.erase(k);
    auto made = make_provider(f_, host_, auth_table(f_, s));
    if (!made.object) messages_.push_back(made.error);
    return made;
}

std::string auth_session::start_error(const auth_settings& extra,
                                      const std::vector<std::string>& without) {
    auto made = make(extra, without);
    EXPECT_FALSE(made.object) << "it started";
    return made.error;
}

result<user_identity> auth_session::complete(auth_provider& p, const authorization_response& r) {
    auto who = p.complete(r);
    if (!who) messages_.push_back(who.error().message);
    return who;
}

result<user_identity> auth_session::sign_in(auth_provider& p, std::string_view login) {
    const auto pkce = make_pkce();
    const auto cb = browse_to_callback(p, fake_, login, pkce, redirect_);
    EXPECT_FALSE(cb.code.empty()) << "no code in the redirect: " << cb.location;
    EXPECT_EQ(cb.state, "st4te-xyz");
    return complete(p, {cb.code, pkce.verifier, redirect_});
}

boost::json::array auth_session::requests() const {
    return boost::json::parse(fake_.requests_json()).as_array();
}

std::vector<boost::json::object> auth_session::requests_to(std::string_view path) const {
    std::vector<boost::json::object> out;
    for (const auto& r : requests())
        if (r.at("path").as_string() == path) out.push_back(r.as_object());
    return out;
}

void auth_session::expect_no_secrets() {
    using ::testing::HasSubstr;
    using ::testing::Not;
    std::vector<std::string> secrets{fake_.client_secret()};
    for (const auto& v : requests()) {
        const auto& r = v.as_object();
        for (const char* field : {"code", "code_verifier", "client_secret"})
            if (const auto* s = r.at("form").as_object().if_contains(field); s && s->is_string())
                secrets.emplace_back(s->as_string());
        if (const auto* a = r.at("headers").as_object().if_contains("authorization");
            a && a->is_string()) {
            const std::string header(a->as_string());
            secrets.push_back(header.substr(header.find(' ') + 1));
        }
    }
    const auto log = host_.log().text();
    for (const auto& secret : secrets) {
        if (secret.size() < 8) continue;  // not one of the fake's or the tests'
        EXPECT_THAT(log, Not(HasSubstr(secret))) << "a secret in the plugin's log";
        for (const auto& m : messages_)
            EXPECT_THAT(m, Not(HasSubstr(secret))) << "a secret in a message";
    }
}

}  // namespace warren::test
