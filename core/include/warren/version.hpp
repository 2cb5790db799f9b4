#pragma once
// Warren's release version, and the version of the plugin SDK (the headers in
// this directory). Plugins are checked against both SDK numbers and the build
// fingerprint before the host calls anything in them (see plugin.hpp).
//
// Versioning rules for the SDK:
// - sdk_major changes when anything a built plugin relies on changes: a
//   virtual function of a released interface, the layout of a struct that
//   crosses the boundary, the descriptor. The host refuses other majors.
// - sdk_minor grows when something is only added (a new interface `_v2`, a
//   new host service at the end of host_services). A host runs plugins built
//   against its own or an older minor, never a newer one.
#include <cstddef>  // brings in the standard library's version macros

namespace warren {

inline constexpr const char* warren_version = "0.1.0";

inline constexpr unsigned sdk_major = 1;
inline constexpr unsigned sdk_minor = 1;  // 1.1: sessions on http_request, host_services::admin()

}  // namespace warren

#define WARREN_SDK_STR2(x) #x
#define WARREN_SDK_STR(x) WARREN_SDK_STR2(x)

#if defined(__clang__)
#define WARREN_SDK_COMPILER "clang-" WARREN_SDK_STR(__clang_major__)
#elif defined(__GNUC__)
#define WARREN_SDK_COMPILER "gcc-" WARREN_SDK_STR(__GNUC__)
#else
#define WARREN_SDK_COMPILER "unknown-compiler"
#endif

#if defined(_GLIBCXX_RELEASE)
#define WARREN_SDK_STDLIB \
    "libstdc++-" WARREN_SDK_STR(_GLIBCXX_RELEASE) "-cxx11abi" WARREN_SDK_STR(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_VERSION)
#define WARREN_SDK_STDLIB "libc++-" WARREN_SDK_STR(_LIBCPP_VERSION)
#else
#define WARREN_SDK_STDLIB "unknown-stdlib"
#endif

// Standard-library types (std::string, std::vector, std::chrono) cross the
// plugin boundary, so host and plugin must agree on their layout: same
// compiler family and major version, same standard library and ABI. A plugin
// built otherwise is refused by name rather than left to crash.
#define WARREN_SDK_FINGERPRINT WARREN_SDK_COMPILER " " WARREN_SDK_STDLIB
