# `cmake --install` (and `make install`), in two components:
#   gateway  bin/warren-gateway, bin/warren, lib/warren/plugins/<name>.so
#   sdk      include/warren/*.hpp and the CMake package WarrenSDK
#            (lib/cmake/WarrenSDK): the imported target Warren::sdk and
#            warren_add_plugin() (cmake/plugins.cmake, as in this tree)
# A plugin author needs only the second:
#   cmake --install build --component sdk --prefix ~/warren-sdk
# Included after every target is defined.
include(CMakePackageConfigHelpers)

# --- gateway ---
# Literal bin/ and lib/warren/plugins: the gateway looks for plugins by name
# in <its directory>/../lib/warren/plugins, whatever GNUInstallDirs says.
install(TARGETS warren-gateway warren RUNTIME DESTINATION bin COMPONENT gateway)
get_property(warren_bundled_plugins GLOBAL PROPERTY WARREN_BUNDLED_PLUGINS)
if(warren_bundled_plugins)
  install(TARGETS ${warren_bundled_plugins} LIBRARY DESTINATION lib/warren/plugins COMPONENT gateway)
endif()

# --- sdk ---
set(warren_sdk_package_dir lib/cmake/WarrenSDK)
set(warren_sdk_build_dir ${PROJECT_BINARY_DIR}/WarrenSDK)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/warren
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk)
set_target_properties(warren_sdk PROPERTIES EXPORT_NAME sdk)
install(TARGETS warren_sdk EXPORT WarrenSDKTargets COMPONENT sdk)
install(EXPORT WarrenSDKTargets NAMESPACE Warren::
  DESTINATION ${warren_sdk_package_dir} COMPONENT sdk)

# The package's version is the SDK's (version.hpp), not Warren's: plugins
# care about sdk_major/sdk_minor.
file(STRINGS ${PROJECT_SOURCE_DIR}/core/include/warren/version.hpp warren_sdk_version_lines
  REGEX "sdk_(major|minor) = [0-9]+;")
string(REGEX MATCH "sdk_major = ([0-9]+)" _ "${warren_sdk_version_lines}")
set(warren_sdk_major ${CMAKE_MATCH_1})
string(REGEX MATCH "sdk_minor = ([0-9]+)" _ "${warren_sdk_version_lines}")
set(warren_sdk_minor ${CMAKE_MATCH_1})
write_basic_package_version_file(${warren_sdk_build_dir}/WarrenSDKConfigVersion.cmake
  VERSION ${warren_sdk_major}.${warren_sdk_minor} COMPATIBILITY SameMajorVersion)

string(REGEX MATCH "^[0-9]+" warren_cxx_major "${CMAKE_CXX_COMPILER_VERSION}")
file(CONFIGURE OUTPUT ${warren_sdk_build_dir}/WarrenSDKConfig.cmake @ONLY CONTENT [=[
# WarrenSDK @warren_sdk_major@.@warren_sdk_minor@, from Warren @PROJECT_VERSION@: build plugins for it.
#   find_package(WarrenSDK REQUIRED)
#   warren_add_plugin(<target> NAME <plugin-name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
# Warren::sdk carries the include directory and C++20.
include("${CMAKE_CURRENT_LIST_DIR}/WarrenSDKTargets.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/plugins.cmake")

# Standard-library types cross the plugin boundary, so the gateway refuses a
# plugin built by another compiler family or major version (the SDK
# fingerprint). Say so now rather than at load time.
set(WarrenSDK_CXX_COMPILER_ID "@CMAKE_CXX_COMPILER_ID@")
set(WarrenSDK_CXX_COMPILER_MAJOR "@warren_cxx_major@")
if(CMAKE_CXX_COMPILER_ID)
  string(REGEX MATCH "^[0-9]+" _warren_cxx_major "${CMAKE_CXX_COMPILER_VERSION}")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL WarrenSDK_CXX_COMPILER_ID
     OR NOT _warren_cxx_major STREQUAL WarrenSDK_CXX_COMPILER_MAJOR)
    message(WARNING "WarrenSDK: the gateway was built with ${WarrenSDK_CXX_COMPILER_ID} "
      "${WarrenSDK_CXX_COMPILER_MAJOR}, this project uses ${CMAKE_CXX_COMPILER_ID} "
      "${CMAKE_CXX_COMPILER_VERSION}: the gateway will refuse its plugins.")
  endif()
  unset(_warren_cxx_major)
endif()
]=])

install(FILES
  ${warren_sdk_build_dir}/WarrenSDKConfig.cmake
  ${warren_sdk_build_dir}/WarrenSDKConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/plugins.cmake
  DESTINATION ${warren_sdk_package_dir} COMPONENT sdk)
