#include "auth/return_path.hpp"

#include <gtest/gtest.h>

namespace warren {
namespace {

TEST(ReturnPath, LocalPathsAreKept) {
    EXPECT_EQ(safe_return_path("/"), "/");
    EXPECT_EQ(safe_return_path("/tunnels"), "/tunnels");
    EXPECT_EQ(safe_return_path("/a/b?x=1&y=%20"), "/a/b?x=1&y=%20");
}

TEST(ReturnPath, OpenRedirectAttemptsGoHome) {
    for (const char* bad : {"https://evil.example", "//evil.example", "//evil.example/path", "/\\evil.example",
                            "\\\\evil.example", "/%2F%2Fevil.example", "/%2fevil.example", "/%5cevil.example",
                            "javascript:alert(1)", "evil.example", "/ evil", "/\tevil", "/\r\nLocation: x",
                            "http:/evil.example", "", "/login/github", "/logout", "/login/setup?token=x", "/#users"}) {
        EXPECT_EQ(safe_return_path(bad), "/") << bad;
    }
    EXPECT_EQ(safe_return_path("/" + std::string(3000, 'a')), "/");
}

}  // namespace
}  // namespace warren
