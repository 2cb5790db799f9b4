#pragma once
// How a shared library becomes a Warren plugin: one class implementing one
// SDK interface, and one line exporting it.
//
//   #include <warren/plugin.hpp>
//   class hello_sink final : public warren::request_log_sink {
//   public:
//       explicit hello_sink(const warren::plugin_context& ctx);  // may throw
//       void write(std::span<const warren::request_record> batch) noexcept override;
//   };
//   WARREN_PLUGIN(hello_sink, "hello-sink", "1.0.0", "Says hello for each request")
//
// The macro exports one C-linkage function, warren_plugin_entry(), returning
// a descriptor. The host loads the library, reads the descriptor's first
// fields (size, SDK version, fingerprint) and refuses a mismatch, naming both
// sides, before it calls anything else. Then it calls create() once per
// configured instance.
//
// Exceptions: the constructor may throw (config_error for a bad setting, any
// std::exception for a failed start); the generated create() catches
// everything and hands the host an error message instead, so no exception
// crosses the boundary. Every other boundary call is noexcept.
//
// Lifetime: the host keeps the library loaded while any object it created
// lives, and deletes objects through plugin_object's virtual destructor, so
// the plugin frees what it allocated.
#include <warren/auth_provider.hpp>
#include <warren/export.hpp>
#include <warren/host.hpp>
#include <warren/http_app.hpp>
#include <warren/plugin_object.hpp>
#include <warren/request_log_sink.hpp>
#include <warren/store.hpp>
#include <warren/version.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>

namespace warren {

enum class plugin_kind : std::uint32_t {
    store = 1,             // [store]
    auth_provider = 2,     // [[auth]]
    request_log_sink = 3,  // [[request_log]]
    http_app = 4,          // [dashboard]
};

inline const char* to_string(plugin_kind k) noexcept {
    switch (k) {
    case plugin_kind::store: return "store";
    case plugin_kind::auth_provider: return "auth provider";
    case plugin_kind::request_log_sink: return "request-log sink";
    case plugin_kind::http_app: return "HTTP app";
    }
    return "unknown kind";
}

struct create_result {
    std::unique_ptr<plugin_object> object;  // set on success
    std::string error;                      // else why not, one line
};

// Fields are only ever appended; struct_size tells the host which it has.
// The host reads struct_size, sdk_major, sdk_minor and fingerprint first and
// touches nothing else on a mismatch.
struct plugin_descriptor {
    std::uint32_t struct_size;
    std::uint32_t sdk_major;
    std::uint32_t sdk_minor;
    plugin_kind kind;
    const char* fingerprint;  // WARREN_SDK_FINGERPRINT of the plugin's build
    const char* name;         // "store-sqlite"
    const char* version;      // the plugin's own version, for logs
    const char* description;  // one line
    create_result (*create)(const plugin_context& context) noexcept;
};

// The exported entry point's name and type.
inline constexpr const char* plugin_entry_symbol = "warren_plugin_entry";
using plugin_entry_fn = const plugin_descriptor*() noexcept;

namespace plugin_detail {

template <class T>
constexpr plugin_kind kind_of() {
    constexpr int bases = std::is_base_of_v<store, T> + std::is_base_of_v<auth_provider, T> +
                          std::is_base_of_v<request_log_sink, T> + std::is_base_of_v<http_app, T>;
    static_assert(bases == 1, "a plugin class implements exactly one SDK interface");
    if constexpr (std::is_base_of_v<store, T>) return plugin_kind::store;
    else if constexpr (std::is_base_of_v<auth_provider, T>) return plugin_kind::auth_provider;
    else if constexpr (std::is_base_of_v<request_log_sink, T>) return plugin_kind::request_log_sink;
    else return plugin_kind::http_app;
}

template <class T>
create_result create(const plugin_context& context) noexcept {
    static_assert(std::is_constructible_v<T, const plugin_context&>,
                  "a plugin class has a constructor taking const warren::plugin_context&");
    try {
        return {std::make_unique<T>(context), {}};
    } catch (const std::exception& e) {
        return {nullptr, e.what()};
    } catch (...) {
        return {nullptr, "the constructor threw a non-standard exception"};
    }
}

}  // namespace plugin_detail

template <class T>
constexpr plugin_descriptor make_plugin_descriptor(const char* name, const char* version,
                                                   const char* description) {
    return plugin_descriptor{sizeof(plugin_descriptor),  sdk_major, sdk_minor,
                             plugin_detail::kind_of<T>(), WARREN_SDK_FINGERPRINT, name,
                             version, description, &plugin_detail::create<T>};
}

}  // namespace warren

// Exports `Class` as this library's plugin. Use once per shared library.
#define WARREN_PLUGIN(Class, Name, Version, Description)                                  \
    extern "C" WARREN_SDK_VISIBLE const ::warren::plugin_descriptor* warren_plugin_entry() \
        noexcept {                                                                         \
        static constexpr ::warren::plugin_descriptor descriptor =                          \
            ::warren::make_plugin_descriptor<Class>(Name, Version, Description);           \
        return &descriptor;                                                                \
    }
