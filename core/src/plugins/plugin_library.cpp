#include "plugins/plugin_library.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstring>
#include <string>
#include <system_error>

#include "config/values.hpp"

namespace warren {
namespace {

namespace fs = std::filesystem;

// The descriptor's fields that every SDK version keeps in place, and the size
// of the descriptor this host's SDK major defines.
constexpr std::size_t version_fields_size =
    offsetof(plugin_descriptor, sdk_minor) + sizeof(plugin_descriptor::sdk_minor);
constexpr std::size_t descriptor_size =
    offsetof(plugin_descriptor, create) + sizeof(plugin_descriptor::create);

// A string the plugin handed over, read with a bound: a damaged descriptor
// must not send the host reading through the library's memory.
std::string_view plugin_text(const char* text) {
    constexpr std::size_t max_shown = 200;
    if (text == nullptr) return "(none)";
    return {text, strnlen(text, max_shown)};
}

std::string sdk_version(unsigned major, unsigned minor) {
    return concat({std::to_string(major), ".", std::to_string(minor)});
}

// "a store", "an auth provider": for "is X, not Y".
std::string with_article(plugin_kind kind) {
    switch (kind) {
        case plugin_kind::store:
        case plugin_kind::request_log_sink: return concat({"a ", to_string(kind)});
        case plugin_kind::auth_provider:
        case plugin_kind::http_app: return concat({"an ", to_string(kind)});
    }
    return concat({"a plugin of unknown kind ", std::to_string(static_cast<std::uint32_t>(kind))});
}

fs::path find_plugin_file(const plugin_choice& choice, const plugin_settings& settings) {
    std::vector<fs::path> candidates;
    if (names_a_file(choice.plugin)) {
        fs::path path = choice.plugin;
        if (path.is_relative() && !choice.settings.base_dir().empty())
            path = choice.settings.base_dir() / path;
        candidates.push_back(path.lexically_normal());
    } else {
        for (const auto& dir : plugin_search_path(settings))
            candidates.push_back(dir / concat({choice.plugin, ".so"}));
    }
    for (const auto& candidate : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate;
    }
    if (candidates.empty())
        fail_plugin(choice,
                    "not found: no plugin directory (the gateway's own location is unknown); set "
                    "[plugins] dir");
    std::string looked;
    for (const auto& candidate : candidates) {
        if (!looked.empty()) looked += ", ";
        looked += candidate.string();
    }
    fail_plugin(choice, concat({"not found (looked in ", looked, ")"}));
}

// rtld_now: every undefined symbol is resolved at load, so a plugin built
// against something this gateway lacks is refused here with dlopen's message,
// instead of the process dying on a lazy binding in the middle of traffic.
// rtld_local: a plugin's symbols stay its own, so two plugins that define the
// same name (they all export warren_plugin_entry; two may bundle different
// versions of one library) never bind to each other's code. Not rtld_deepbind:
// it would take operator new/delete and the sanitizers' interposition away
// from the plugin. The SDK's interfaces still match across libraries, since
// libstdc++ compares type_info by name.
std::shared_ptr<boost::dll::shared_library> load_library(const plugin_choice& choice,
                                                         const fs::path& path) {
    auto library = std::make_shared<boost::dll::shared_library>();
    std::error_code ec;
    library->load(path, ec, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    if (!ec) return library;
    // Boost.DLL's error code only says "bad file descriptor"; dlopen's own
    // message (still pending, Boost does not read it on this path) says why.
    std::string why = ec.message();
    if (const char* message = dlerror()) why = message;
    // dlopen starts its message with the path, which is already in ours.
    const auto prefix = concat({path.string(), ": "});
    if (why.starts_with(prefix)) why.erase(0, prefix.size());
    fail_plugin(choice, concat({"cannot load ", path.string(), ": ", why}));
}

const plugin_descriptor* read_descriptor(const plugin_choice& choice,
                                         boost::dll::shared_library& library,
                                         const fs::path& path) {
    if (!library.has(plugin_entry_symbol))
        fail_plugin(choice, concat({path.string(), " has no ", plugin_entry_symbol,
                                    " symbol: not a Warren plugin"}));
    // Without noexcept in the pointer's type, a library whose entry throws in
    // spite of its declaration is still caught here rather than terminating.
    const plugin_descriptor* (*entry)() = &library.get<plugin_entry_fn>(plugin_entry_symbol);
    const plugin_descriptor* descriptor = nullptr;
    try {
        descriptor = entry();
    } catch (const std::exception& e) {
        fail_plugin(choice, concat({plugin_entry_symbol, " threw: ", e.what()}));
    } catch (...) {
        fail_plugin(choice, concat({plugin_entry_symbol, " threw a non-standard exception"}));
    }
    if (descriptor == nullptr)
        fail_plugin(choice,
                    concat({plugin_entry_symbol, " returned no descriptor: not a Warren plugin"}));
    return descriptor;
}

// In this order: the version fields first, since another SDK major may lay
// out the rest of the descriptor differently; then the rest of it.
void check_descriptor(const plugin_choice& choice, const plugin_descriptor& d, plugin_kind kind) {
    const auto too_small = [&](std::size_t needed) {
        fail_plugin(choice, concat({"its descriptor has ", std::to_string(d.struct_size),
                                    " bytes, SDK ", sdk_version(sdk_major, sdk_minor), " needs ",
                                    std::to_string(needed), ": not a Warren plugin"}));
    };
    if (d.struct_size < version_fields_size) too_small(version_fields_size);
    const auto ours = sdk_version(sdk_major, sdk_minor);
    const auto theirs = sdk_version(d.sdk_major, d.sdk_minor);
    if (d.sdk_major != sdk_major)
        fail_plugin(choice, concat({"built for Warren SDK ", theirs, ", this gateway has SDK ",
                                    ours, "; rebuild the plugin against this SDK"}));
    if (d.sdk_minor > sdk_minor)
        fail_plugin(
            choice,
            concat({"built for Warren SDK ", theirs, ", newer than this gateway's SDK ", ours,
                    "; upgrade the gateway or rebuild the plugin against SDK ", ours}));
    // An older minor's descriptor may be shorter than ours, never shorter than
    // the fields this major started with.
    if (d.struct_size < descriptor_size) too_small(descriptor_size);
    if (plugin_text(d.fingerprint) != WARREN_SDK_FINGERPRINT)
        fail_plugin(choice, concat({"built with ", plugin_text(d.fingerprint),
                                    ", this gateway with ", WARREN_SDK_FINGERPRINT,
                                    "; rebuild the plugin with the gateway's compiler and "
                                    "standard library"}));
    if (d.kind != kind)
        fail_plugin(choice, concat({"is ", with_article(d.kind), ", not ", with_article(kind)}));
    if (d.create == nullptr)
        fail_plugin(choice, "its descriptor has no create function: not a Warren plugin");
}

}  // namespace

void fail_plugin(const plugin_choice& choice, std::string_view reason) {
    std::string message = choice.origin.empty() ? "" : concat({choice.origin, ": "});
    message += concat({choice.section, " ", choice.plugin, ": ", reason});
    // One line, whatever a plugin put in its message.
    std::replace(message.begin(), message.end(), '\n', ' ');
    throw plugin_error(message);
}

bool names_a_file(std::string_view plugin) {
    return plugin.find('/') != std::string_view::npos || plugin.ends_with(".so");
}

std::vector<fs::path> plugin_search_path(const plugin_settings& settings) {
    if (!settings.dirs.empty()) return settings.dirs;
    std::error_code ec;
    const auto executable = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    const auto bin = executable.parent_path();
    return {(bin / "../plugins").lexically_normal(),
            (bin / "../lib/warren/plugins").lexically_normal()};
}

plugin_library open_plugin_library(const plugin_choice& choice, const plugin_settings& settings,
                                   plugin_kind kind) {
    plugin_library out;
    out.path = find_plugin_file(choice, settings);
    out.library = load_library(choice, out.path);
    out.descriptor = read_descriptor(choice, *out.library, out.path);
    check_descriptor(choice, *out.descriptor, kind);
    return out;
}

}  // namespace warren
