# warren_add_plugin(<target> NAME <plugin-name> SOURCES <src>...)
# Builds an in-tree plugin as build/plugins/<plugin-name>.so, the way an
# out-of-tree plugin is built against the installed SDK: a MODULE library,
# symbols hidden except the SDK's entry point, nothing of the core linked in.
function(warren_add_plugin target)
  cmake_parse_arguments(arg "" "NAME;OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT arg_OUTPUT_DIRECTORY)
    set(arg_OUTPUT_DIRECTORY ${WARREN_PLUGIN_OUTPUT_DIRECTORY})
  endif()
  add_library(${target} MODULE ${arg_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${arg_NAME}
    LIBRARY_OUTPUT_DIRECTORY ${arg_OUTPUT_DIRECTORY}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${target} PRIVATE warren_sdk warren_warnings)
  # A plugin must not leave undefined symbols for the host to satisfy.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
endfunction()
