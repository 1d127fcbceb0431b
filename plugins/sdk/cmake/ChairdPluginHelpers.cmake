# chaird_add_technique_plugin(<name> <sources...>)
# Builds a technique plugin the way chaird expects to load it: a MODULE library named
# <name>.so, hidden visibility (only the record and the factory alias are exported), every
# symbol resolved at link time, and not writable by group or others (chaird refuses those).
#
# Used by chaird's own build (where chaird::plugin_sdk is an alias of the in-tree SDK target) and
# by out-of-tree projects through find_package(chaird_plugin_sdk) (where it is the installed,
# imported target).
include_guard(GLOBAL)

function(chaird_add_technique_plugin name)
  if(NOT TARGET chaird::plugin_sdk)
    message(FATAL_ERROR "chaird_add_technique_plugin: no target chaird::plugin_sdk; "
                        "call find_package(chaird_plugin_sdk REQUIRED) first")
  endif()
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE chaird::plugin_sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_EXTENSIONS OFF
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Every symbol resolved at link time, so that a missing one fails the build, not the load.
  # Not under clang's sanitizers: their runtime is in the executable that loads the plugin.
  if(NOT (CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND CMAKE_CXX_FLAGS MATCHES "-fsanitize"))
    target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  endif()
  # Static locals of inline library code (std::to_string has one) would otherwise be
  # STB_GNU_UNIQUE symbols, which make glibc keep the library mapped forever. Plugins are loaded
  # RTLD_LOCAL and share nothing, so each keeps its own copy and can be unloaded. (GCC makes
  # such symbols; Clang does not, and does not know the flag.)
  target_compile_options(${name} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  add_custom_command(TARGET ${name} POST_BUILD COMMAND chmod go-w "$<TARGET_FILE:${name}>" VERBATIM)
endfunction()
