#pragma once
// Finding a plugin's shared library, loading it and checking its descriptor:
// everything the host does with a plugin before it calls anything in it but
// its entry point.
#include "config/gateway_config.hpp"

#include <warren/plugin.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace boost::dll {
class shared_library;
}

namespace warren {

// Why a plugin was not loaded or did not start. what() is one line naming the
// table and the plugin, e.g.
//   gateway.toml:14:1: [store] store-sqlite: built for Warren SDK 2.0, this gateway has SDK 1.0;
//   rebuild the plugin against this SDK
//   [[request_log]] #1 log-fil: not found (looked in /srv/warren/plugins/log-fil.so)
class plugin_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws plugin_error "ORIGIN: SECTION PLUGIN: reason", on one line.
[[noreturn]] void fail_plugin(const plugin_choice& choice, std::string_view reason);

// Whether `plugin = "..."` names a file (it has a '/' or ends in ".so")
// rather than a plugin to look up in the plugin directories.
bool names_a_file(std::string_view plugin);

// Where plugins are looked up by name: [plugins] dir, or when it is not set
// the directories next to the running executable, <exe dir>/../plugins (a
// build tree: build/plugins) then <exe dir>/../lib/warren/plugins (an
// installed gateway).
std::vector<std::filesystem::path> plugin_search_path(const plugin_settings& settings);

// A loaded library whose descriptor passed every check.
struct plugin_library {
    std::shared_ptr<boost::dll::shared_library> library;  // keeps the code loaded
    const plugin_descriptor* descriptor = nullptr;        // lives in the library
    std::filesystem::path path;
};

// Finds choice.plugin (a name through plugin_search_path, or a path, relative
// ones against the config file's directory), loads it and checks that its
// descriptor fits this host: its size, SDK major and minor, build fingerprint,
// and `kind` (what the table needs). Calls nothing in the library but
// warren_plugin_entry. Throws plugin_error.
plugin_library open_plugin_library(const plugin_choice& choice, const plugin_settings& settings,
                                   plugin_kind kind);

}  // namespace warren
