# lxdp_add_plugin(NAME SOURCES... [PROVIDES KIND:DRIVER...] [DEB_DEPENDS PACKAGE...])
#
# One helper for the plugins of this tree and for third-party plugins (the -dev package installs
# this file next to LxdppSdkConfig.cmake). It builds NAME.so with only the entry symbol exported
# and no undefined references, so every host function arrives through lxdp_host_api, and writes
# NAME.json beside it: a manifest (name, kinds, ABI, file) that lets tools list plugins without
# loading them. Both install into the plugin dir as the install component NAME, which packaging/
# turns into the package lxdpp-NAME; DEB_DEPENDS are that package's backend tools.
#
# The includer sets LXDP_SDK_TARGET (the SDK's INTERFACE target), LXDP_ABI_VERSION ("1.0"),
# LXDP_PLUGIN_DESTINATION (where plugins install) and optionally LXDP_PLUGIN_OUTPUT_DIR (where
# they are built; default the plugin's own binary dir).
function(lxdp_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "PROVIDES;DEB_DEPENDS")
  add_library(${name} MODULE ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${LXDP_SDK_TARGET})
  set(outdir "${LXDP_PLUGIN_OUTPUT_DIR}")
  if(NOT outdir)
    set(outdir "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${outdir}"
    LXDP_PROVIDES "${arg_PROVIDES}"
    LXDP_DEB_DEPENDS "${arg_DEB_DEPENDS}")
  target_link_options(${name} PRIVATE -Wl,-z,defs)
  set_property(GLOBAL APPEND PROPERTY LXDP_PLUGINS ${name})

  set(kinds "")
  foreach(kind IN LISTS arg_PROVIDES)
    if(NOT kind MATCHES "^(storage|instance|network):[a-z0-9][a-z0-9_.-]*$")
      message(FATAL_ERROR "lxdp_add_plugin(${name}): PROVIDES ${kind} is not KIND:DRIVER "
                          "with KIND one of storage, instance, network")
    endif()
    if(kinds)
      string(APPEND kinds ", ")
    endif()
    string(APPEND kinds "\"${kind}\"")
  endforeach()
  # library_path is relative to the manifest, so the same file serves the build and the install.
  file(GENERATE OUTPUT "${outdir}/${name}.json" CONTENT "{
  \"file_format_version\": \"1.0.0\",
  \"name\": \"${name}\",
  \"kinds\": [${kinds}],
  \"abi\": \"${LXDP_ABI_VERSION}\",
  \"library_path\": \"$<TARGET_FILE_NAME:${name}>\"
}
")
  install(TARGETS ${name} LIBRARY DESTINATION "${LXDP_PLUGIN_DESTINATION}" COMPONENT ${name})
  install(FILES "${outdir}/${name}.json" DESTINATION "${LXDP_PLUGIN_DESTINATION}" COMPONENT ${name})
endfunction()
