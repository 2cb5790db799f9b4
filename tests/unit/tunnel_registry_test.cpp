// The registry's rules for anonymous and keyed names, without sessions: a
// tunnel here has no mux session, which the registry never touches.
#include "gateway/tunnel_registry.hpp"

#include <gtest/gtest.h>

namespace warren {
namespace {

using outcome = tunnel_registry::claim::outcome;
using state = tunnel_registry::lookup_state;
using namespace std::chrono_literals;

std::shared_ptr<tunnel> attach(tunnel_registry& r, const tunnel_registry::claim& c) {
    auto t = std::make_shared<tunnel>(c.name, "http://" + c.name + ".localhost", c.epoch, nullptr, "127.0.0.1",
                                      tunnel_credentials{});
    r.attach(t);
    return t;
}

TEST(TunnelRegistry, AnonymousNameIsHeldByItsToken) {
    tunnel_registry r(60s);
    auto first = r.claim_name("demo", "", 10);
    ASSERT_EQ(first.result, outcome::granted);
    auto t = attach(r, first);
    EXPECT_EQ(r.claim_name("demo", "someone-else", 10).result, outcome::conflict);
    auto again = r.claim_name("demo", first.ownership_token, 10);
    EXPECT_EQ(again.result, outcome::granted);
    EXPECT_EQ(again.previous, t);
}

TEST(TunnelRegistry, KeyedNamesAreReservedFromAnonymousClients) {
    tunnel_registry r(60s);
    r.set_keyed_names({"api"});
    EXPECT_EQ(r.claim_name("api", "", 10).result, outcome::reserved);
    // Random names never land on a keyed one either (checked by construction:
    // a granted random name is never in the keyed set).
    for (int i = 0; i < 100; ++i) {
        auto c = r.claim_name("", "", 1000);
        ASSERT_EQ(c.result, outcome::granted);
        EXPECT_NE(c.name, "api");
    }
}

TEST(TunnelRegistry, OfflineKeyedTunnelIsKnownNotMissing) {
    tunnel_registry r(0s);  // no grace: only the keyed set keeps the name known
    EXPECT_EQ(r.lookup("api").state, state::unknown);
    r.set_keyed_names({"api"});
    EXPECT_EQ(r.lookup("api").state, state::offline);
    auto c = r.claim_keyed("api", 10);
    ASSERT_EQ(c.result, outcome::granted);
    auto t = attach(r, c);
    EXPECT_EQ(r.lookup("api").live, t);
    r.detach(*t);
    EXPECT_EQ(r.lookup("api").state, state::offline);
    r.set_keyed_names({});  // deleted from the store
    EXPECT_EQ(r.lookup("api").state, state::unknown);
}

TEST(TunnelRegistry, SameKeyReplacesTheEarlierSession) {
    tunnel_registry r(60s);
    auto first = r.claim_keyed("api", 10);
    auto t1 = attach(r, first);
    auto second = r.claim_keyed("api", 10);
    ASSERT_EQ(second.result, outcome::granted);
    EXPECT_EQ(second.previous, t1);
    EXPECT_GT(second.epoch, first.epoch);
    auto t2 = attach(r, second);
    r.detach(*t1);  // the old session ending later must not unseat the new one
    EXPECT_EQ(r.lookup("api").live, t2);
}

TEST(TunnelRegistry, KeyedClaimTakesANameFromAnAnonymousHolder) {
    tunnel_registry r(60s);
    auto anon = r.claim_name("api", "", 10);
    auto t = attach(r, anon);
    auto keyed = r.claim_keyed("api", 10);
    ASSERT_EQ(keyed.result, outcome::granted);
    EXPECT_EQ(keyed.previous, t);
    EXPECT_EQ(r.claim_name("api", anon.ownership_token, 10).result, outcome::reserved);
}

TEST(TunnelRegistry, KeyedClaimsCountTowardsTheGatewayLimit) {
    tunnel_registry r(60s);
    attach(r, r.claim_name("one", "", 2));
    attach(r, r.claim_keyed("two", 2));
    EXPECT_EQ(r.claim_keyed("three", 2).result, outcome::full);
    EXPECT_EQ(r.claim_name("four", "", 2).result, outcome::full);
}

}  // namespace
}  // namespace warren
