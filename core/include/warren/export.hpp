#pragma once
// Symbol visibility across the plugin boundary. Plugins are best built with
// -fvisibility=hidden (the WarrenSDK CMake package does it); the SDK's
// interfaces stay visible so that their type information is shared by the
// host and every plugin.
#if defined(__GNUC__) || defined(__clang__)
#define WARREN_SDK_VISIBLE __attribute__((visibility("default")))
#else
#define WARREN_SDK_VISIBLE
#endif
