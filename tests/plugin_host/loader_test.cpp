// The plugin loader against real fixture libraries (fixtures/): the good ones
// load and work through their interfaces, each bad one is refused with its
// one line, and none of them takes the test process down.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "plugins/gateway_services.hpp"
#include "plugins/plugin_loader.hpp"
#include "test_host.hpp"

namespace warren {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path fixture_dir = WARREN_FIXTURE_DIR;
const fs::path extra_dir = WARREN_FIXTURE_EXTRA_DIR;

// Loggers writing "<prefix>: <message>" into one capture_logger, the way
// plugin_logger writes into spdlog.
class prefixed_logger final : public logger {
public:
    prefixed_logger(std::string prefix, test::capture_logger& out)
        : prefix_(std::move(prefix)), out_(out) {}
    bool enabled(log_level) const noexcept override { return true; }
    void log(log_level level, std::string_view message) noexcept override {
        out_.log(level, prefix_ + ": " + std::string(message));
    }

private:
    std::string prefix_;
    test::capture_logger& out_;
};

class Loader : public ::testing::Test {
protected:
    // gateway.toml text, with the fixtures' directory as the config's own.
    static gateway_config config(std::string_view text) {
        return parse_gateway_config(text, "t.toml", fixture_dir);
    }

    logger_factory loggers() {
        return [this](const std::string& prefix) {
            return std::make_shared<prefixed_logger>(prefix, host_.log());
        };
    }

    template <class T>
    std::shared_ptr<T> load(const plugin_choice& choice) {
        return load_plugin<T>(choice, settings_, host_, loggers());
    }

    // The one line loading `text`'s only [[request_log]] entry fails with.
    std::string sink_error(std::string_view text) {
        try {
            load<request_log_sink>(config(text).request_log.at(0).plugin);
        } catch (const plugin_error& e) {
            return e.what();
        }
        return "(loaded)";
    }

    static std::string sink_named(std::string_view name) {
        return "[[request_log]]\nplugin = \"" + std::string(name) + "\"\n";
    }

    plugin_settings settings_{{fixture_dir}, {}};
    test::test_host host_;
};

// Whether the library at `path` is mapped in this process right now.
bool is_loaded(const fs::path& path) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) return false;
    dlclose(handle);
    return true;
}

warren::request_record record(std::string path) {
    warren::request_record r;
    r.method = "GET";
    r.path = std::move(path);
    r.status = 200;
    return r;
}

TEST_F(Loader, ASinkLoadsByNameAndWorksThroughItsInterface) {
    const auto sink = load<request_log_sink>(
        config("[[request_log]]\nplugin = \"counting-sink\"\nlabel = \"audit\"\n")
            .request_log.at(0)
            .plugin);
    const std::vector<request_record> batch{record("/a"), record("/b"), record("/c")};
    sink->write(batch);
    sink->flush();
    EXPECT_THAT(host_.registry().render(), HasSubstr("warren_fixture_records_total 3"));
    EXPECT_THAT(host_.log().text(), HasSubstr("info: counting-sink: audit: 3 records"));
    EXPECT_THAT(host_.log().text(),
                HasSubstr("info: counting-sink: loaded counting-sink 1.2.3 for [[request_log]] #1 "
                          "from " +
                          (fixture_dir / "counting-sink.so").string()));
}

TEST_F(Loader, AnAuthProviderAnAppAndAStoreLoadToo) {
    const auto auth = load<auth_provider>(
        config("[[auth]]\nplugin = \"hello-auth\"\nadmin = \"ada\"\n").auth.at(0));
    EXPECT_EQ(auth->id(), "hello");
    const auto who = auth->complete({"ada", "verifier", "https://x/cb"});
    ASSERT_TRUE(who);
    EXPECT_EQ(who->username, "ada");
    EXPECT_TRUE(auth->is_admin(*who));
    EXPECT_EQ(auth->complete({}).error().code, errc::unauthorized);

    const auto app = load<http_app>(
        *config("[dashboard]\nplugin = \"hello-app\"\ngreeting = \"hi\"\n").dashboard);
    EXPECT_TRUE(app->serves("/hello"));
    EXPECT_EQ(app->handle({}).body, "hi from plugins");

    const auto store = load<warren::store>(*config("[store]\nplugin = \"memory-store\"\n").store);
    ASSERT_TRUE(store->put_setting("k", "v"));
    const auto value = store->get_setting("k");
    ASSERT_TRUE(value);
    EXPECT_EQ(**value, "v");
    EXPECT_EQ(store->schema_version(), 1);
}

TEST_F(Loader, TheLibraryStaysLoadedWhileAnObjectLives) {
    const auto path = fixture_dir / "counting-sink.so";
    auto sink =
        load<request_log_sink>(config(sink_named("counting-sink")).request_log.at(0).plugin);
    // The loader's own handles are gone; the object's deleter holds the library.
    ASSERT_TRUE(is_loaded(path));
    std::weak_ptr<request_log_sink> watch = sink;
    auto copy = sink;
    sink.reset();
    copy->write(std::vector<request_record>{record("/still-here")});
    copy->flush();
    EXPECT_THAT(host_.log().text(), HasSubstr("sink: 1 records"));
    EXPECT_TRUE(is_loaded(path));
    // Whether the library is unmapped with its last object is up to the
    // dynamic linker: libstdc++'s STB_GNU_UNIQUE symbols (std::to_string's
    // digit table here) make most C++ libraries stay. Gone is the object.
    copy.reset();
    EXPECT_TRUE(watch.expired());
}

TEST_F(Loader, NamesAreSearchedThroughTheDirsInOrder) {
    const auto choice = *config("[dashboard]\nplugin = \"hello-app\"\n").dashboard;
    settings_.dirs = {extra_dir, fixture_dir};
    EXPECT_EQ(load<http_app>(choice)->handle({}).body, "hello from plugins-extra");
    settings_.dirs = {fixture_dir, extra_dir};
    EXPECT_EQ(load<http_app>(choice)->handle({}).body, "hello from plugins");
    // A name only the second directory has.
    settings_.dirs = {extra_dir, fixture_dir};
    EXPECT_TRUE(
        load<request_log_sink>(config(sink_named("counting-sink")).request_log.at(0).plugin));
}

TEST_F(Loader, NotFoundListsWhereItLooked) {
    settings_.dirs = {extra_dir, fixture_dir};
    EXPECT_EQ(sink_error(sink_named("log-fil")),
              "t.toml:1:1: [[request_log]] #1 log-fil: not found (looked in " +
                  (extra_dir / "log-fil.so").string() + ", " +
                  (fixture_dir / "log-fil.so").string() + ")");
    EXPECT_EQ(sink_error(sink_named("missing/log-file.so")),
              "t.toml:1:1: [[request_log]] #1 missing/log-file.so: not found (looked in " +
                  (fixture_dir / "missing/log-file.so").string() + ")");
}

TEST_F(Loader, PathsLoadAsGivenOrRelativeToTheConfig) {
    settings_.dirs = {extra_dir};  // not where the paths point
    const auto relative = config(sink_named("./counting-sink.so")).request_log.at(0).plugin;
    EXPECT_TRUE(load<request_log_sink>(relative));
    EXPECT_TRUE(load<request_log_sink>(relative)) << "the same choice loads again";
    const auto absolute =
        config(sink_named((fixture_dir / "counting-sink.so").string())).request_log.at(0).plugin;
    EXPECT_TRUE(load<request_log_sink>(absolute));
    // The plugin's own name in messages and its logger, not the path.
    EXPECT_THAT(host_.log().text(), HasSubstr("info: counting-sink: loaded counting-sink 1.2.3"));
}

TEST_F(Loader, DefaultDirsAreNextToTheExecutable) {
    const auto bin = fs::read_symlink("/proc/self/exe").parent_path();
    EXPECT_EQ(plugin_search_path({}),
              (std::vector<fs::path>{(bin / "../plugins").lexically_normal(),
                                     (bin / "../lib/warren/plugins").lexically_normal()}));
    EXPECT_EQ(plugin_search_path(settings_), std::vector<fs::path>{fixture_dir});
}

// "1.1": the SDK version of this build, as messages spell it.
std::string sdk(unsigned major, unsigned minor) {
    return std::to_string(major) + "." + std::to_string(minor);
}

TEST_F(Loader, VersionMismatchesAreRefusedNamingBothSides) {
    const std::string ours = sdk(sdk_major, sdk_minor);
    // The fixtures add one to our major (and minor) when they are built.
    EXPECT_EQ(sink_error(sink_named("newer-major")),
              "t.toml:1:1: [[request_log]] #1 newer-major: built for Warren SDK " + sdk(sdk_major + 1, sdk_minor) +
                  ", this gateway has SDK " + ours + "; rebuild the plugin against this SDK");
    EXPECT_EQ(sink_error(sink_named("newer-minor")),
              "t.toml:1:1: [[request_log]] #1 newer-minor: built for Warren SDK " + sdk(sdk_major, sdk_minor + 1) +
                  ", newer than this gateway's SDK " + ours + "; upgrade the gateway or rebuild the plugin against SDK " +
                  ours);
    EXPECT_EQ(sink_error(sink_named("wrong-fingerprint")),
              "t.toml:1:1: [[request_log]] #1 wrong-fingerprint: built with gcc-99 "
              "libstdc++-99-cxx11abi1, this gateway with " WARREN_SDK_FINGERPRINT
              "; rebuild the plugin with the gateway's compiler and standard library");
}

TEST_F(Loader, BrokenDescriptorsAreRefused) {
    EXPECT_EQ(sink_error(sink_named("small-descriptor")),
              "t.toml:1:1: [[request_log]] #1 small-descriptor: its descriptor has 8 bytes, SDK " +
                  sdk(sdk_major, sdk_minor) + " needs 12: not a Warren plugin");
    EXPECT_EQ(sink_error(sink_named("no-create")),
              "t.toml:1:1: [[request_log]] #1 no-create: its descriptor has no create function: "
              "not a Warren plugin");
}

TEST_F(Loader, ALibraryThatIsNotAPluginIsRefused) {
    EXPECT_EQ(sink_error(sink_named("no-entry")),
              "t.toml:1:1: [[request_log]] #1 no-entry: " + (fixture_dir / "no-entry.so").string() +
                  " has no warren_plugin_entry symbol: not a Warren plugin");
}

TEST_F(Loader, AnUnresolvedSymbolFailsAtLoadNotAtFirstUse) {
    EXPECT_EQ(sink_error(sink_named("unresolved")),
              "t.toml:1:1: [[request_log]] #1 unresolved: cannot load " +
                  (fixture_dir / "unresolved.so").string() +
                  ": undefined symbol: warren_fixture_function_nobody_defines");
}

TEST_F(Loader, APluginOfAnotherKindIsRefused) {
    try {
        load<auth_provider>(config("[[auth]]\nplugin = \"counting-sink\"\n").auth.at(0));
        FAIL() << "loaded";
    } catch (const plugin_error& e) {
        EXPECT_STREQ(e.what(),
                     "t.toml:1:1: [[auth]] #1 counting-sink: is a request-log sink, not an auth "
                     "provider");
    }
    try {
        load<warren::store>(*config("\n[store]\nplugin = \"hello-app\"\n").store);
        FAIL() << "loaded";
    } catch (const plugin_error& e) {
        EXPECT_STREQ(e.what(), "t.toml:2:1: [store] hello-app: is an HTTP app, not a store");
    }
}

TEST_F(Loader, AThrowingConstructorStopsTheStartWithItsMessage) {
    EXPECT_EQ(sink_error(sink_named("throws")),
              "t.toml:1:1: [[request_log]] #1 throws: failed to start: cannot open the spool "
              "directory /nonexistent (errno 2)");
}

TEST_F(Loader, ARejectedSettingIsReportedWhereItIs) {
    EXPECT_EQ(sink_error(sink_named("picky") + "mode = \"slow\"\n"),
              "t.toml:3:8: [[request_log]] #1 (picky) mode: expected \"fast\" or \"safe\" "
              "(got \"slow\")");
    EXPECT_EQ(sink_error(sink_named("picky") + "mode = \"safe\"\n"), "(loaded)");
}

TEST_F(Loader, AKeyThePluginNeverReadIsAnUnknownKey) {
    EXPECT_EQ(sink_error(sink_named("counting-sink") + "label = \"a\"\nlable = \"b\"\n"),
              "t.toml:4:9: [[request_log]] #1 (counting-sink) lable: unknown key, did you mean "
              "label?");
    // The first one in the file is named.
    EXPECT_EQ(sink_error(sink_named("counting-sink") + "zzz = 1\naaa = 2\n"),
              "t.toml:3:7: [[request_log]] #1 (counting-sink) zzz: unknown key");
    // A plugin's keys are its own: the host keeps only `queue`.
    EXPECT_EQ(sink_error(sink_named("counting-sink") + "queue = 5\n"), "(loaded)");
}

TEST_F(Loader, AMisspeltKeyGetsASuggestionFromTheKeysThePluginAskedFor) {
    const auto message = sink_error(sink_named("counting-sink") + "labl = \"a\"\n");
    EXPECT_EQ(message,
              "t.toml:3:8: [[request_log]] #1 (counting-sink) labl: unknown key, did you mean label?");
}

// gateway_services over a registry and no tunnels, for load_plugins.
class LoadAll : public Loader {
protected:
    struct no_tunnels final : tunnel_directory {
        std::vector<live_tunnel> live_tunnels() const override { return {}; }
    };

    loaded_plugins load_all(std::string_view text) {
        auto parsed = config(text);
        parsed.plugins.dirs = {fixture_dir};
        return load_plugins(parsed, services_, loggers());
    }

    std::string load_all_error(std::string_view text) {
        try {
            load_all(text);
        } catch (const plugin_error& e) {
            return e.what();
        }
        return "(loaded)";
    }

    metrics_registry registry_;
    no_tunnels tunnels_;
    gateway_services services_{registry_, tunnels_, {}};
};

constexpr std::string_view every_kind = R"([store]
plugin = "memory-store"

[[auth]]
plugin = "hello-auth"
id = "one"

[[auth]]
plugin = "hello-auth"
id = "two"

[[request_log]]
plugin = "counting-sink"
queue = 5

[dashboard]
plugin = "hello-app"
)";

TEST_F(LoadAll, LoadsTheStoreFirstAndHandsItToTheOthers) {
    const auto plugins = load_all(every_kind);
    ASSERT_TRUE(plugins.store);
    EXPECT_EQ(services_.store(), plugins.store.get());
    ASSERT_EQ(plugins.auth.size(), 2u);
    EXPECT_EQ(plugins.auth[0]->id(), "one");
    EXPECT_EQ(plugins.auth[1]->id(), "two");
    EXPECT_THAT(host_.log().lines(), ::testing::Contains("info: hello-auth: store: available"));
    ASSERT_EQ(plugins.request_log.size(), 1u);
    EXPECT_EQ(plugins.request_log[0].queue, 5u);
    EXPECT_EQ(plugins.request_log[0].section, "[[request_log]] #1");
    EXPECT_EQ(plugins.request_log[0].plugin, "counting-sink");
    ASSERT_TRUE(plugins.dashboard);
    EXPECT_EQ(plugins.dashboard->handle({}).body, "hello from plugins");
}

TEST_F(LoadAll, NothingConfiguredLoadsNothing) {
    const auto plugins = load_all("");
    EXPECT_FALSE(plugins.store);
    EXPECT_EQ(services_.store(), nullptr);
    EXPECT_TRUE(plugins.auth.empty());
    EXPECT_TRUE(plugins.request_log.empty());
    EXPECT_FALSE(plugins.dashboard);
}

TEST_F(LoadAll, AuthIdsMustDiffer) {
    EXPECT_EQ(
        load_all_error("[[auth]]\nplugin = \"hello-auth\"\n[[auth]]\nplugin = \"hello-auth\"\n"),
        "t.toml:3:1: [[auth]] #2 hello-auth: its id \"hello\" is already the id of "
        "[[auth]] #1 (hello-auth); give one of them another id");
}

TEST_F(LoadAll, AFailureLeavesNoStoreBehind) {
    EXPECT_EQ(
        load_all_error("[store]\nplugin = \"memory-store\"\n[dashboard]\nplugin = \"throws\"\n"),
        "t.toml:3:1: [dashboard] throws: is a request-log sink, not an HTTP app");
    EXPECT_EQ(services_.store(), nullptr);
}

}  // namespace
}  // namespace warren
