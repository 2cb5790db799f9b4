// The dashboard's embedded assets: every file of plugins/dashboard/assets/
// served byte for byte with its type, revalidated by ETag; and app.js kept
// to what the pages' Content-Security-Policy and XSS safety require.
#include "dashboard_fixture.hpp"

#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace warren::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

using DashboardAssets = dashboard_test;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST_F(DashboardAssets, EveryAssetIsServedAsInTheSourceTreeWithoutASession) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(DASHBOARD_ASSETS)) {
        const std::string name = entry.path().filename().string();
        const auto r = get("/assets/" + name);
        ASSERT_EQ(r.status, 200) << name;
        EXPECT_EQ(r.body, read_file(entry.path())) << name;
        EXPECT_EQ(header(r, "Cache-Control"), "no-cache") << name;
        EXPECT_TRUE(std::regex_match(header(r, "ETag"), std::regex("\"[0-9a-f]{16}\"")))
            << header(r, "ETag");
        ++count;
    }
    EXPECT_GE(count, 3u);
}

TEST_F(DashboardAssets, AssetsHaveTheirContentTypes) {
    EXPECT_EQ(header(get("/assets/app.js"), "Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(header(get("/assets/app.css"), "Content-Type"), "text/css; charset=utf-8");
    EXPECT_EQ(header(get("/assets/favicon.svg"), "Content-Type"), "image/svg+xml");
}

TEST_F(DashboardAssets, EtagsDifferBetweenFiles) {
    std::set<std::string> tags;
    for (const char* name : {"app.js", "app.css", "favicon.svg"})
        tags.insert(header(get(std::string("/assets/") + name), "ETag"));
    EXPECT_EQ(tags.size(), 3u);
}

TEST_F(DashboardAssets, IfNoneMatchWithTheEtagAnswers304) {
    const std::string etag = header(get("/assets/app.js"), "ETag");
    for (const std::string& sent : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
        auto req = request("GET", "/assets/app.js");
        req.headers.push_back({"If-None-Match", sent});
        const auto r = app().handle(req);
        EXPECT_EQ(r.status, 304) << sent;
        EXPECT_TRUE(r.body.empty());
        EXPECT_EQ(header(r, "ETag"), etag);
        EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
    }
    auto req = request("GET", "/assets/app.js");
    req.headers.push_back({"If-None-Match", "\"0000000000000000\""});
    EXPECT_EQ(app().handle(req).status, 200);
}

TEST_F(DashboardAssets, UnknownAssetsAre404) {
    for (const char* target : {"/assets/nothing.js", "/assets/", "/assets/app.js/x",
                               "/assets/..%2Fapp.js", "/assets/APP.JS"})
        EXPECT_EQ(get(target).status, 404) << target;
}

TEST_F(DashboardAssets, FaviconIcoIsTheSvgIcon) {
    const auto r = get("/favicon.ico");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(header(r, "Content-Type"), "image/svg+xml");
    EXPECT_EQ(r.body, get("/assets/favicon.svg").body);
}

// Data reaches the DOM through textContent only; nothing is evaluated.
TEST_F(DashboardAssets, AppJsBuildsTheDomWithoutHtmlStrings) {
    const std::string js = get("/assets/app.js").body;
    for (const char* banned :
         {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
          "setAttribute(\"style\"", ".style.", "alert(", "http://", "https://"})
        EXPECT_EQ(js.find(banned), std::string::npos) << "app.js has " << banned;
    EXPECT_NE(js.find("new EventSource(\"/_warren/events\")"), std::string::npos);
    EXPECT_NE(js.find("X-CSRF-Token"), std::string::npos);
}

// Every element app.js looks up by id is in the shell the server renders.
TEST_F(DashboardAssets, AppJsFindsEveryIdItUsesInTheShell) {
    const std::string js = get("/assets/app.js").body;
    const std::string shell = get("/", &root_).body;
    const std::regex by_id("\\$\\(\"([a-z0-9-]+)\"\\)");
    std::size_t ids = 0;
    for (std::sregex_iterator it(js.begin(), js.end(), by_id), end; it != end; ++it, ++ids)
        EXPECT_THAT(shell, HasSubstr("id=\"" + (*it)[1].str() + "\"")) << (*it)[1].str();
    EXPECT_GT(ids, 20u);
}

TEST_F(DashboardAssets, CssFollowsTheColorScheme) {
    const std::string css = get("/assets/app.css").body;
    EXPECT_THAT(css, HasSubstr("prefers-color-scheme: dark"));
    EXPECT_THAT(css, HasSubstr("[hidden]"));
    EXPECT_THAT(css, Not(HasSubstr("url(http"))) << "nothing loaded from elsewhere";
    EXPECT_THAT(css, Not(HasSubstr("@import")));
}

}  // namespace
}  // namespace warren::test
