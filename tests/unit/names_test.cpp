#include "util/names.hpp"

#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace warren {
namespace {

TEST(names, random_names_are_valid_unreserved_and_varied) {
    constexpr int draws = 10'000;
    std::set<std::string> names;
    std::map<std::string, int> first_words;
    std::map<std::string, int> last_words;
    for (int i = 0; i < draws; ++i) {
        const auto name = random_tunnel_name();
        ASSERT_TRUE(is_valid_tunnel_name(name)) << name;
        ASSERT_FALSE(is_reserved_tunnel_name(name)) << name;

        const auto dash1 = name.find('-');
        const auto dash2 = name.find('-', dash1 + 1);
        ASSERT_NE(dash2, std::string::npos) << name;
        ASSERT_EQ(name.find('-', dash2 + 1), std::string::npos) << name;
        ASSERT_GT(dash1, 0u) << name;
        ASSERT_GT(dash2, dash1 + 1) << name;
        ASSERT_LT(dash2 + 1, name.size()) << name;

        names.insert(name);
        ++first_words[name.substr(0, dash1)];
        ++last_words[name.substr(dash2 + 1)];
    }
    // ~40 million combinations: a handful of repeats at most.
    EXPECT_GE(names.size(), 9'950u);
    // >= 250 words per list, ~30 draws each: every word shows up, none dominates.
    EXPECT_GE(first_words.size(), 250u);
    EXPECT_GE(last_words.size(), 250u);
    for (const auto& [word, count] : first_words) EXPECT_LT(count, 100) << word;
}

TEST(names, valid_tunnel_names) {
    for (const char* good : {"a", "0", "demo", "brave-otter-lamp", "my-app-2", "a1b2", "x-y",
                             "ab-cd", "xn-a"}) {
        EXPECT_TRUE(is_valid_tunnel_name(good)) << good;
    }
    EXPECT_TRUE(is_valid_tunnel_name(std::string(63, 'a')));
}

TEST(names, invalid_tunnel_names) {
    for (const char* bad : {"", "-", "-demo", "demo-", "Demo", "DEMO", "de_mo", "de.mo", "de mo",
                            "xn--bcher-kva", "ab--cd", "a\xc3\xa9", "demo\n", "*"}) {
        EXPECT_FALSE(is_valid_tunnel_name(bad)) << bad;
    }
    EXPECT_FALSE(is_valid_tunnel_name(std::string(64, 'a')));
    // "--" elsewhere than positions 2-3 is still a valid label.
    EXPECT_TRUE(is_valid_tunnel_name("a--b"));
    EXPECT_TRUE(is_valid_tunnel_name("abc--d"));
}

TEST(names, reserved_tunnel_names) {
    for (const char* reserved : {"www", "api", "admin", "dashboard", "gateway", "status", "mail",
                                 "smtp", "ftp", "ns1", "ns2", "localhost", "warren", "login",
                                 "auth", "static", "assets", "metrics", "health", "WWW", "Admin"}) {
        EXPECT_TRUE(is_reserved_tunnel_name(reserved)) << reserved;
    }
    for (const char* free : {"", "demo", "brave-otter-lamp", "www2", "my-api", "wwww"}) {
        EXPECT_FALSE(is_reserved_tunnel_name(free)) << free;
    }
    EXPECT_FALSE(is_reserved_tunnel_name(std::string(200, 'w')));
}

}  // namespace
}  // namespace warren
