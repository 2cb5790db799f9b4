#include "plugins/plugin_loader.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <map>
#include <string_view>
#include <utility>

#include "config/values.hpp"
#include "plugins/gateway_services.hpp"
#include "plugins/plugin_logger.hpp"

namespace warren {
namespace {

// Deletes a plugin's object, in its own library's code through the virtual
// destructor; the library and the logger go only after it, with the deleter.
struct plugin_deleter {
    std::shared_ptr<boost::dll::shared_library> library;
    std::shared_ptr<logger> log;

    void operator()(plugin_object* object) const noexcept { delete object; }
};

std::unique_ptr<plugin_object> create_object(const plugin_choice& choice,
                                             const plugin_descriptor& descriptor,
                                             const plugin_context& context) {
    // create() is noexcept; called through a pointer type without noexcept,
    // the catch below still works for a library that breaks that promise.
    create_result (*create)(const plugin_context&) = descriptor.create;
    create_result made;
    try {
        made = create(context);
    } catch (const std::exception& e) {
        fail_plugin(choice, concat({"failed to start: ", e.what()}));
    } catch (...) {
        fail_plugin(choice, "failed to start: the plugin threw a non-standard exception");
    }
    if (made.object) return std::move(made.object);
    // A config_table error already names the file, the table and the key.
    if (made.error.find(context.config.where()) != std::string::npos) {
        std::replace(made.error.begin(), made.error.end(), '\n', ' ');
        throw plugin_error(made.error);
    }
    fail_plugin(choice,
                concat({"failed to start: ", made.error.empty() ? "no reason given" : made.error}));
}

// (line, column) of a "file:line:col" origin, for putting keys in file order.
std::pair<int, int> line_and_column(std::string_view origin) {
    std::pair<int, int> out{0, 0};
    const auto last = origin.rfind(':');
    if (last == std::string_view::npos) return out;
    const auto before = origin.rfind(':', last - 1);
    if (before == std::string_view::npos) return out;
    std::from_chars(origin.data() + before + 1, origin.data() + last, out.first);
    std::from_chars(origin.data() + last + 1, origin.data() + origin.size(), out.second);
    return out;
}

// A key nobody read is a typo or a setting of another plugin: refused like an
// unknown key of the core, the first one in the file named.
void check_every_key_was_read(const config_table& settings) {
    const auto unread = settings.unread_keys();
    if (unread.empty()) return;
    const auto& entries = settings.entries();
    const auto first =
        *std::min_element(unread.begin(), unread.end(), [&](const auto& a, const auto& b) {
            return line_and_column(entries.at(a).origin) < line_and_column(entries.at(b).origin);
        });
    const auto asked = settings.read_keys();
    const std::vector<std::string_view> known(asked.begin(), asked.end());
    const auto nearest = nearest_name(first, known);
    const auto problem = nearest.empty() ? std::string("unknown key")
                                         : concat({"unknown key, did you mean ", nearest, "?"});
    try {
        settings.fail(first, problem);
    } catch (const config_error& e) {
        throw plugin_error(e.what());
    }
}

// For messages: the name as configured, or the plugin's own for a path.
std::string display_name(const plugin_choice& choice, const plugin_descriptor& descriptor) {
    if (!names_a_file(choice.plugin)) return choice.plugin;
    return std::string(descriptor.name != nullptr ? descriptor.name : choice.plugin);
}

}  // namespace

std::shared_ptr<logger> make_plugin_logger(const std::string& prefix) {
    return std::make_shared<plugin_logger>(prefix);
}

template <plugin_interface T>
std::shared_ptr<T> load_plugin(const plugin_choice& choice, const plugin_settings& settings,
                               host_services& host, const logger_factory& make_logger) {
    constexpr auto kind = plugin_detail::kind_of<T>();
    const auto library = open_plugin_library(choice, settings, kind);
    const auto& descriptor = *library.descriptor;
    const auto name = display_name(choice, descriptor);
    auto log = make_logger(name);
    // The plugin marks the keys it reads; a copy keeps the config's table as
    // it was, should it be loaded again.
    const config_table table = choice.settings;
    auto made = create_object(choice, descriptor, plugin_context{name, table, *log, host});
    const std::shared_ptr<plugin_object> object(made.release(),
                                                plugin_deleter{library.library, log});
    auto typed = std::dynamic_pointer_cast<T>(object);
    if (!typed)
        fail_plugin(choice, concat({"declares itself ", to_string(kind),
                                    " but made an object of another kind"}));
    check_every_key_was_read(table);
    log->info(concat({"loaded ", name, " ", descriptor.version != nullptr ? descriptor.version : "",
                      " for ", choice.section, " from ", library.path.string()}));
    return typed;
}

template std::shared_ptr<store> load_plugin<store>(const plugin_choice&, const plugin_settings&,
                                                   host_services&, const logger_factory&);
template std::shared_ptr<auth_provider> load_plugin<auth_provider>(const plugin_choice&,
                                                                   const plugin_settings&,
                                                                   host_services&,
                                                                   const logger_factory&);
template std::shared_ptr<request_log_sink> load_plugin<request_log_sink>(const plugin_choice&,
                                                                         const plugin_settings&,
                                                                         host_services&,
                                                                         const logger_factory&);
template std::shared_ptr<http_app> load_plugin<http_app>(const plugin_choice&,
                                                         const plugin_settings&, host_services&,
                                                         const logger_factory&);

namespace {

// The login URLs are /login/<id>: two providers with one id would share them.
void check_unique_ids(const std::vector<plugin_choice>& choices,
                      const std::vector<std::shared_ptr<auth_provider>>& providers) {
    std::map<std::string_view, const plugin_choice*> seen;
    for (std::size_t i = 0; i < providers.size(); ++i) {
        const auto id = providers[i]->id();
        const auto [first, added] = seen.emplace(id, &choices[i]);
        if (!added)
            fail_plugin(choices[i],
                        concat({"its id \"", id, "\" is already the id of ", first->second->section,
                                " (", first->second->plugin, "); give one of them another id"}));
    }
}

}  // namespace

loaded_plugins load_plugins(const gateway_config& config, gateway_services& services,
                            const logger_factory& make_logger) {
    loaded_plugins out;
    const auto& settings = config.plugins;
    if (config.store) {
        out.store = load_plugin<store>(*config.store, settings, services, make_logger);
        services.set_store(out.store.get());
    }
    try {
        for (const auto& choice : config.auth)
            out.auth.push_back(load_plugin<auth_provider>(choice, settings, services, make_logger));
        check_unique_ids(config.auth, out.auth);
        for (const auto& entry : config.request_log) {
            out.request_log.push_back(
                {load_plugin<request_log_sink>(entry.plugin, settings, services, make_logger),
                 entry.queue, entry.plugin.section, entry.plugin.plugin});
        }
        if (config.dashboard)
            out.dashboard =
                load_plugin<http_app>(*config.dashboard, settings, services, make_logger);
    } catch (...) {
        // `out` and its store go with the exception: the services must not
        // hand the store out any longer.
        services.set_store(nullptr);
        throw;
    }
    return out;
}

}  // namespace warren
