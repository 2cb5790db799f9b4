# warren_add_plugin(<target> NAME <plugin-name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Builds a Warren plugin: a MODULE library <plugin-name>.so with symbols
# hidden except the SDK's entry point, linked against the SDK headers only,
# so nothing of the gateway is linked in. The one definition for plugins in
# this tree and for plugins built against the installed SDK (the WarrenSDK
# package ships this file):
#   in this tree:  links warren_sdk and warren_warnings; the .so goes to
#                  build/plugins/ (and is installed to lib/warren/plugins)
#                  unless OUTPUT_DIRECTORY says otherwise (test fixtures);
#   installed:     links Warren::sdk; the .so goes where the project's other
#                  libraries go unless OUTPUT_DIRECTORY says otherwise.
function(warren_add_plugin target)
  cmake_parse_arguments(arg "" "NAME;OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT arg_NAME OR NOT arg_SOURCES)
    message(FATAL_ERROR "warren_add_plugin(${target}): NAME and SOURCES are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "warren_add_plugin(${target}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()

  add_library(${target} MODULE ${arg_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${arg_NAME}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${arg_OUTPUT_DIRECTORY})
  elseif(DEFINED WARREN_PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${WARREN_PLUGIN_OUTPUT_DIRECTORY})
    # The gateway's own plugins: cmake/install.cmake installs these.
    set_property(GLOBAL APPEND PROPERTY WARREN_BUNDLED_PLUGINS ${target})
  endif()

  if(TARGET Warren::sdk)
    target_link_libraries(${target} PRIVATE Warren::sdk)
  else()
    target_link_libraries(${target} PRIVATE warren_sdk)
  endif()
  if(TARGET warren_warnings)
    target_link_libraries(${target} PRIVATE warren_warnings)
  endif()
  # A plugin must not leave undefined symbols for the host to satisfy.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
endfunction()
