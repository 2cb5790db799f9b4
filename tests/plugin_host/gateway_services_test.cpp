// The services the gateway hands its plugins.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/gateway_services.hpp"

namespace warren {
namespace {

using ::testing::HasSubstr;

struct two_tunnels final : tunnel_directory {
    std::vector<live_tunnel> live_tunnels() const override { return std::vector<live_tunnel>(2); }
};

TEST(GatewayServices, HandsOutTheGatewaysOwnPieces) {
    metrics_registry registry;
    two_tunnels tunnels;
    gateway_services services(registry, tunnels, {});

    const auto before = std::chrono::system_clock::now();
    const auto now = services.now();
    EXPECT_GE(now, before);
    EXPECT_LE(now, std::chrono::system_clock::now());

    services.metrics().counter("warren_test_things_total", "Things").add(2);
    EXPECT_THAT(registry.render(), HasSubstr("warren_test_things_total 2"));

    EXPECT_EQ(&services.tunnels(), &tunnels);
    EXPECT_EQ(services.tunnels().live_tunnels().size(), 2u);

    // The store is set by load_plugins (see loader_test); none until then.
    EXPECT_EQ(services.store(), nullptr);

    // A real client: a bad URL is the caller's mistake.
    http_client_request request;
    request.url = "ftp://example.com/";
    const auto reply = services.http().send(request);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, errc::invalid);
}

TEST(GatewayServices, AnUnreadableCaFileStopsTheStart) {
    metrics_registry registry;
    two_tunnels tunnels;
    const auto missing = std::filesystem::temp_directory_path() / "warren-no-such-ca.pem";
    try {
        gateway_services services(registry, tunnels, missing);
        FAIL() << "no error";
    } catch (const config_error& e) {
        EXPECT_THAT(e.what(), ::testing::StartsWith("[plugins] ca_file: cannot load " +
                                                    missing.string() + ": "));
    }
}

}  // namespace
}  // namespace warren
