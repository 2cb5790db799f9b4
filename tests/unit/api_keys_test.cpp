#include "gateway/api_keys.hpp"

#include "util/secrets.hpp"

#include <gtest/gtest.h>

#include <set>

namespace warren {
namespace {

TEST(ApiKeys, NewKeysHaveTheDocumentedShape) {
    const auto k = make_api_key();
    EXPECT_EQ(k.key.size(), 46u);
    EXPECT_TRUE(k.key.starts_with("wk_"));
    EXPECT_EQ(k.prefix, k.key.substr(0, 11));
    EXPECT_EQ(k.hash, sha256_hex(k.key));
    EXPECT_EQ(api_key_prefix(k.key), k.prefix);
}

TEST(ApiKeys, EveryKeyAndPrefixIsNew) {
    std::set<std::string> keys, prefixes;
    for (int i = 0; i < 1000; ++i) {
        const auto k = make_api_key();
        keys.insert(k.key);
        prefixes.insert(k.prefix);
    }
    EXPECT_EQ(keys.size(), 1000u);
    EXPECT_EQ(prefixes.size(), 1000u);
}

TEST(ApiKeys, MalformedKeysHaveNoPrefix) {
    const auto good = make_api_key().key;
    EXPECT_FALSE(api_key_prefix(""));
    EXPECT_FALSE(api_key_prefix("wk_"));
    EXPECT_FALSE(api_key_prefix(good.substr(0, 45)));
    EXPECT_FALSE(api_key_prefix(good + "A"));
    EXPECT_FALSE(api_key_prefix("xk_" + good.substr(3)));
    std::string bad = good;
    bad[20] = '=';
    EXPECT_FALSE(api_key_prefix(bad));
    bad[20] = '\0';
    EXPECT_FALSE(api_key_prefix(bad));
}

}  // namespace
}  // namespace warren
