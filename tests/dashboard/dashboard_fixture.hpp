#pragma once
// The dashboard as the gateway loads it: the real build/plugins/dashboard.so
// opened with Boost.DLL and its app created through a test host whose
// gateway_admin is a fake_admin. Requests are built as the host hands them
// over (target, decoded path, query, session) and passed to handle().
#include "fake_admin.hpp"
#include "test_host.hpp"

#include <warren/plugin.hpp>

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace warren::test {

const plugin_descriptor& dashboard_descriptor();

user_record make_user(user_id id, std::string username, bool admin);

class dashboard_test : public ::testing::Test {
protected:
    dashboard_test();

    http_app& app() { return dynamic_cast<http_app&>(*object_); }

    // A request for `target` ("/api/tunnels?all=1"), signed in as `as` when given.
    http_request request(std::string method, std::string target, const user_record* as = nullptr,
                         std::string body = {});
    http_response send(std::string method, std::string target, const user_record* as = nullptr,
                       std::string body = {});
    http_response get(std::string target, const user_record* as = nullptr) {
        return send("GET", std::move(target), as);
    }

    // The body as JSON (fails the test when it is not).
    static boost::json::value json_of(const http_response& r);
    // The "error" member of a JSON error body.
    static std::string error_of(const http_response& r);
    static std::string header(const http_response& r, std::string_view name) {
        return std::string(find_header(r.headers, name));
    }

    test_host host_;
    fake_admin admin_;
    config_table config_;
    std::unique_ptr<plugin_object> object_;
    user_record alice_ = make_user(1, "alice", false);
    user_record bob_ = make_user(2, "bob", false);
    user_record root_ = make_user(3, "root", true);
};

}  // namespace warren::test
