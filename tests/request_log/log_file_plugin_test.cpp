// The log-file plugin as the gateway loads it: the real log-file.so opened
// with Boost.DLL, its descriptor checked, sinks created through it with a
// test host, and their files read back.
#include "test_host.hpp"

#include <warren/plugin.hpp>

#include <boost/dll/shared_library.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace warren {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

// The library stays loaded for the whole test run, as the gateway keeps it
// until exit.
const plugin_descriptor& log_file_descriptor() {
    static boost::dll::shared_library library(fs::path(LOG_FILE_PLUGIN));
    static const plugin_descriptor* descriptor =
        library.get<plugin_entry_fn>(plugin_entry_symbol)();
    return *descriptor;
}

class temp_directory {
public:
    temp_directory() {
        std::string pattern = (fs::temp_directory_path() / "warren-log-file-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~temp_directory() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

using settings = std::map<std::string, config_table::value>;

config_table table(const fs::path& dir, const settings& values) {
    std::map<std::string, config_table::entry, std::less<>> entries;
    int line = 2;
    for (const auto& [key, v] : values) entries[key] = {v, "gateway.toml:" + std::to_string(line++) + ":1"};
    return config_table("[[request_log]] #1 (log-file)", "gateway.toml:1:1", dir, std::move(entries));
}

struct created {
    std::unique_ptr<plugin_object> object;
    std::string error;
    request_log_sink& sink() { return dynamic_cast<request_log_sink&>(*object); }
};

created create(test::test_host& host, const config_table& config) {
    auto r = log_file_descriptor().create(host.context("log-file", config));
    return {std::move(r.object), std::move(r.error)};
}

request_record record(std::string path, int status = 200) {
    request_record r;
    r.started = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h + 34min + 56s + 789ms;
    r.duration = 12500us;
    r.tunnel = "demo";
    r.method = "POST";
    r.path = std::move(path);
    r.host = "demo.localhost:8080";
    r.client_ip = "203.0.113.7";
    r.status = status;
    r.bytes_in = 42;
    r.bytes_out = 512;
    r.user_agent = "curl/7.88.1";
    return r;
}

// A string field of a log line.
std::string field(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : "<missing " + std::string(key) + ">";
}

std::vector<std::string> lines_of(const fs::path& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

TEST(LogFilePlugin, DescriptorMatchesThisBuild) {
    const auto& d = log_file_descriptor();
    EXPECT_EQ(d.sdk_major, sdk_major);
    EXPECT_EQ(d.sdk_minor, sdk_minor);
    EXPECT_STREQ(d.fingerprint, WARREN_SDK_FINGERPRINT);
    EXPECT_EQ(d.kind, plugin_kind::request_log_sink);
    EXPECT_STREQ(d.name, "log-file");
}

TEST(LogFilePlugin, WritesOneJsonLinePerRecordWithExactlyTheRecordFields) {
    temp_directory dir;
    test::test_host host;
    const auto config = table(dir.path(), {});
    auto p = create(host, config);
    ASSERT_TRUE(p.object) << p.error;
    const std::vector<request_record> batch{record("/hook"), record("/a%20b", 404)};
    p.sink().write(batch);
    p.sink().flush();

    const auto lines = lines_of(dir.path() / "requests.log");  // the default, next to gateway.toml
    ASSERT_EQ(lines.size(), 2u);
    const json::object first = json::parse(lines[0]).as_object();
    EXPECT_EQ(first.size(), 11u) << lines[0];  // nothing but the record's fields
    EXPECT_EQ(field(first, "time"), "2024-05-01T12:34:56.789Z");
    EXPECT_EQ(field(first, "tunnel"), "demo");
    EXPECT_EQ(field(first, "method"), "POST");
    EXPECT_EQ(field(first, "path"), "/hook");
    EXPECT_EQ(field(first, "host"), "demo.localhost:8080");
    EXPECT_EQ(first.at("status").to_number<int>(), 200);
    EXPECT_EQ(first.at("bytes_in").to_number<std::uint64_t>(), 42u);
    EXPECT_EQ(first.at("bytes_out").to_number<std::uint64_t>(), 512u);
    ASSERT_TRUE(first.at("duration_ms").is_double());
    EXPECT_DOUBLE_EQ(first.at("duration_ms").as_double(), 12.5);
    EXPECT_EQ(field(first, "client_ip"), "203.0.113.7");
    EXPECT_EQ(field(first, "user_agent"), "curl/7.88.1");
    const json::object second = json::parse(lines[1]).as_object();
    EXPECT_EQ(field(second, "path"), "/a%20b");
    EXPECT_EQ(second.at("status").to_number<int>(), 404);
    EXPECT_TRUE(host.log().lines().empty()) << host.log().text();
}

TEST(LogFilePlugin, LinesStayValidJsonWhateverTheClientSent) {
    temp_directory dir;
    test::test_host host;
    const auto config = table(dir.path(), {{"path", std::string("odd.log")}});
    auto p = create(host, config);
    ASSERT_TRUE(p.object) << p.error;
    auto r = record("/caf\xC3\xA9/\xFF\xFE");
    r.user_agent = "quote\" newline\n nul" + std::string(1, '\0') + " \xED\xA0\x80";  // CESU surrogate
    p.sink().write(std::span(&r, 1));

    const auto lines = lines_of(dir.path() / "odd.log");
    ASSERT_EQ(lines.size(), 1u);  // the newline was escaped, not written
    const json::object o = json::parse(lines[0]).as_object();
    EXPECT_EQ(field(o, "path"), "/caf\xC3\xA9/\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(field(o, "user_agent"),
              "quote\" newline\n nul" + std::string(1, '\0') + " \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(LogFilePlugin, AppendsToAnExistingFileAndEndsATornLine) {
    temp_directory dir;
    std::ofstream(dir.path() / "requests.log") << "{\"cut\":";  // a crash mid-line
    test::test_host host;
    const auto config = table(dir.path(), {});
    auto p = create(host, config);
    ASSERT_TRUE(p.object) << p.error;
    auto r = record("/after");
    p.sink().write(std::span(&r, 1));
    const auto lines = lines_of(dir.path() / "requests.log");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "{\"cut\":");
    EXPECT_EQ(field(json::parse(lines[1]).as_object(), "path"), "/after");
}

TEST(LogFilePlugin, RotatesBeforeALineWouldPassMaxBytesAndKeepsMaxFiles) {
    temp_directory dir;
    test::test_host host;
    const auto config = table(dir.path(), {{"max_bytes", std::string("1KiB")}, {"max_files", std::int64_t{2}}});
    auto p = create(host, config);
    ASSERT_TRUE(p.object) << p.error;

    // Equal-length lines (paths /p1000 ... /p1039), in batches that do not
    // line up with the files.
    std::vector<request_record> all;
    for (int i = 0; i < 40; ++i) all.push_back(record("/p" + std::to_string(1000 + i)));
    for (std::size_t i = 0; i < all.size(); i += 7)
        p.sink().write(std::span(all).subspan(i, std::min<std::size_t>(7, all.size() - i)));

    const fs::path log = dir.path() / "requests.log";
    EXPECT_FALSE(fs::exists(dir.path() / "requests.log.3"));  // the oldest were deleted
    const auto current = lines_of(log);
    const auto newer = lines_of(dir.path() / "requests.log.1");
    const auto older = lines_of(dir.path() / "requests.log.2");
    ASSERT_FALSE(current.empty());
    const std::size_t line_bytes = current[0].size() + 1;
    const std::size_t per_file = 1024 / line_bytes;
    ASSERT_GE(per_file, 1u);
    ASSERT_LT(3 * per_file, all.size()) << "lines too long for this test to rotate twice";

    // Rotated files are as full as max_bytes allows; the current one holds the rest.
    EXPECT_EQ(older.size(), per_file);
    EXPECT_EQ(newer.size(), per_file);
    EXPECT_EQ(current.size(), (all.size() - 1) % per_file + 1);
    EXPECT_EQ(fs::file_size(dir.path() / "requests.log.2"), per_file * line_bytes);
    EXPECT_EQ(fs::file_size(dir.path() / "requests.log.1"), per_file * line_bytes);
    EXPECT_EQ(fs::file_size(log), current.size() * line_bytes);

    // Oldest to newest, they are the last records written, in order.
    std::vector<std::string> kept(older);
    kept.insert(kept.end(), newer.begin(), newer.end());
    kept.insert(kept.end(), current.begin(), current.end());
    const std::size_t first = all.size() - kept.size();
    for (std::size_t i = 0; i < kept.size(); ++i) {
        ASSERT_EQ(kept[i].size() + 1, line_bytes);
        EXPECT_EQ(field(json::parse(kept[i]).as_object(), "path"), all[first + i].path) << i;
    }
}

TEST(LogFilePlugin, MaxBytesZeroNeverRotates) {
    temp_directory dir;
    test::test_host host;
    const auto config = table(dir.path(), {{"max_bytes", std::int64_t{0}}, {"fsync", true}});
    auto p = create(host, config);
    ASSERT_TRUE(p.object) << p.error;
    const std::vector<request_record> batch(500, record("/same"));
    p.sink().write(batch);
    p.sink().write(batch);
    EXPECT_EQ(lines_of(dir.path() / "requests.log").size(), 1000u);
    EXPECT_FALSE(fs::exists(dir.path() / "requests.log.1"));
}

TEST(LogFilePlugin, BadSettingsNameTheKey) {
    temp_directory dir;
    test::test_host host;
    const std::vector<std::pair<settings, std::string>> cases{
        {{{"max_files", std::int64_t{0}}}, "max_files: must be 1-100 (got 0)"},
        {{{"max_files", std::int64_t{101}}}, "max_files: must be 1-100"},
        {{{"max_files", std::string("5")}}, "max_files: expected an integer"},
        {{{"max_bytes", std::string("lots")}}, "max_bytes: expected a size"},
        {{{"fsync", std::string("yes")}}, "fsync: expected true or false"},
        {{{"path", std::int64_t{1}}}, "path: expected a string"},
    };
    for (const auto& [values, expected] : cases) {
        const auto config = table(dir.path(), values);
        const auto p = create(host, config);
        EXPECT_FALSE(p.object);
        EXPECT_NE(p.error.find("[[request_log]] #1 (log-file) " + expected), std::string::npos) << p.error;
        EXPECT_EQ(p.error.rfind("gateway.toml:2:1: ", 0), 0u) << p.error;  // where the value is
    }
}

TEST(LogFilePlugin, AnUnwritablePathFailsCreationNamingIt) {
    temp_directory dir;
    test::test_host host;
    const fs::path missing = dir.path() / "no-such-dir" / "requests.log";
    const auto config = table(dir.path(), {{"path", missing.string()}});
    const auto p = create(host, config);
    EXPECT_FALSE(p.object);
    EXPECT_NE(p.error.find("path: cannot open \"" + missing.string() + "\""), std::string::npos) << p.error;
    EXPECT_NE(p.error.find("No such file or directory"), std::string::npos) << p.error;
}

TEST(LogFilePlugin, WriteErrorsAreLoggedOncePerBurstAndRetriedByReopening) {
    temp_directory dir;
    const fs::path logs = dir.path() / "logs";
    fs::create_directory(logs);
    test::test_host host;
    // One line per file: every record after the first rotates, which fails
    // while the directory is gone.
    const auto config = table(dir.path(), {{"path", (logs / "r.log").string()},
                                           {"max_bytes", std::int64_t{1}},
                                           {"max_files", std::int64_t{1}}});
    auto p = create(host, config);
    ASSERT_TRUE(p.object) << p.error;
    auto r = record("/ok");
    p.sink().write(std::span(&r, 1));

    fs::remove_all(logs);
    r.path = "/lost";
    for (int i = 0; i < 5; ++i) p.sink().write(std::span(&r, 1));  // rotation fails, then reopening
    const auto during = host.log().lines();
    ASSERT_EQ(during.size(), 1u) << host.log().text();
    EXPECT_EQ(during[0].rfind("error: cannot write \"" + (logs / "r.log").string() + "\": ", 0), 0u) << during[0];

    fs::create_directory(logs);
    r.path = "/back";
    p.sink().write(std::span(&r, 1));
    const auto after = host.log().lines();
    ASSERT_EQ(after.size(), 2u) << host.log().text();
    EXPECT_NE(after[1].find("again; 5 request records were lost"), std::string::npos) << after[1];
    const auto lines = lines_of(logs / "r.log");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(field(json::parse(lines[0]).as_object(), "path"), "/back");
}

}  // namespace
}  // namespace warren
