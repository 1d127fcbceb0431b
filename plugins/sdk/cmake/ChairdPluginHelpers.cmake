# chaird_add_technique_plugin(<name> <sources...>)
# Builds a technique plugin the way chaird expects to load it: a MODULE library named
# <name>.so, hidden visibility (only the record and the factory alias are exported), every
# symbol resolved at link time, and not writable by group or others (chaird refuses those).
function(chaird_add_technique_plugin name)
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE chaird::plugin_sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  # Static locals of inline library code (std::to_string has one) would otherwise be
  # STB_GNU_UNIQUE symbols, which make glibc keep the library mapped forever. Plugins are loaded
  # RTLD_LOCAL and share nothing, so each keeps its own copy and can be unloaded.
  target_compile_options(${name} PRIVATE -fno-gnu-unique)
  add_custom_command(TARGET ${name} POST_BUILD COMMAND chmod go-w "$<TARGET_FILE:${name}>" VERBATIM)
endfunction()
