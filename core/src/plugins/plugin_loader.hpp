#pragma once
// Creating the plugins gateway.toml picks: load each library, check it, call
// its factory with the plugin's table, and refuse settings it did not read.
// Every failure is a plugin_error with one line naming the table, the plugin
// and the reason, thrown before the gateway listens.
//
// Lifetime: each object comes as a shared_ptr whose deleter holds the
// library (Boost.DLL tutorial 8) and the plugin's logger, so both outlive the
// object. Nothing unloads a plugin before its last object is gone; the
// gateway keeps them all until exit.
#include "plugins/plugin_library.hpp"

#include <warren/plugin.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace warren {

class gateway_services;

// The logger a plugin gets, prefixed with `prefix` (the plugin's name).
using logger_factory = std::function<std::shared_ptr<logger>(const std::string& prefix)>;

// A plugin_logger over the gateway's spdlog logger.
std::shared_ptr<logger> make_plugin_logger(const std::string& prefix);

template <class T>
concept plugin_interface = std::same_as<T, store> || std::same_as<T, auth_provider> ||
    std::same_as<T, request_log_sink> || std::same_as<T, http_app>;

// Loads `choice` as a T (the table's kind: [store] a store, [[auth]] an
// auth_provider, [[request_log]] a request_log_sink, [dashboard] an
// http_app) and creates its object with `host`. Logs one line with the
// plugin's name, version and path. Throws plugin_error.
template <plugin_interface T>
std::shared_ptr<T> load_plugin(const plugin_choice& choice, const plugin_settings& settings,
                               host_services& host,
                               const logger_factory& make_logger = make_plugin_logger);

struct loaded_request_log {
    std::shared_ptr<request_log_sink> sink;
    std::size_t queue = 0;  // records buffered for it ([[request_log]] queue)
    std::string section;    // "[[request_log]] #1", for messages and metric labels
    std::string plugin;     // as configured
};

// Members are destroyed in reverse order: the store last, after the plugins
// that may use it.
struct loaded_plugins {
    std::shared_ptr<warren::store> store;  // null when gateway.toml has no [store]
    std::vector<std::shared_ptr<auth_provider>> auth;
    std::vector<loaded_request_log> request_log;
    std::shared_ptr<http_app> dashboard;  // null when there is no [dashboard]
};

// Loads every plugin of `config`: the store first, which it then sets in
// `services` (so that auth providers and the dashboard can use it from their
// constructors on), then [[auth]] in order (their ids must differ),
// [[request_log]], and [dashboard]. On failure nothing stays loaded and
// `services` has no store. Keep `services` alive longer than the result.
loaded_plugins load_plugins(const gateway_config& config, gateway_services& services,
                            const logger_factory& make_logger = make_plugin_logger);

}  // namespace warren
