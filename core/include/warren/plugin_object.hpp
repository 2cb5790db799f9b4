#pragma once
// The common base of every object a plugin factory returns. The host deletes
// it through this virtual destructor, so memory is freed by the module that
// allocated it, and keeps the plugin's library loaded until it is gone.
#include <warren/export.hpp>

namespace warren {

class WARREN_SDK_VISIBLE plugin_object {
public:
    virtual ~plugin_object() = default;

    plugin_object() = default;
    plugin_object(const plugin_object&) = delete;
    plugin_object& operator=(const plugin_object&) = delete;
};

}  // namespace warren
