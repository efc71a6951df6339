# One helper per target kind, so every target of a kind is built the same way.

set(QS_WARNINGS -Wall -Wextra -Wno-unused-parameter)

# qs_add_engine_library(name SOURCES ... [DEPS ...]) — a Qt-free static library of the engine.
function(qs_add_engine_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/engine)
  target_compile_options(${name} PRIVATE ${QS_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# qs_add_qt_library(name SOURCES ... [DEPS ...]) — a Qt library (widgets, models).
function(qs_add_qt_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${QS_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# qs_add_executable(name SOURCES ... [DEPS ...]) — an application in app/.
function(qs_add_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${QS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE QS_VERSION="${PROJECT_VERSION}")
endfunction()

# qs_add_qtest(name SOURCES ... [DEPS ...] [LABELS ...] [TIMEOUT s]) — a Qt Test suite registered
# with CTest. Suites run offscreen and know where ../shared is through QS_SHARED_DIR.
function(qs_add_qtest name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${QS_WARNINGS})
  target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_DEPS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/common)
  target_compile_definitions(${name} PRIVATE QS_SHARED_DIR="${QS_SHARED_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;QS_SHARED_DIR=${QS_SHARED_DIR}")
endfunction()

# qs_add_benchmark(name SOURCES ... [DEPS ...]) — a benchmark in tests/bench; built, not run by ctest.
function(qs_add_benchmark name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${QS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE QS_SHARED_DIR="${QS_SHARED_DIR}")
endfunction()

# qs_add_plugin(name SOURCES ... [DEPS ...] [OUTPUT_DIRECTORY dir] [ALLOW_UNDEFINED]) — a Qt
# plugin: a MODULE library with AUTOMOC implementing one interface of plugins/sdk/quantscope.
# A metadata template <name>.json.in beside the sources is configured (@PROJECT_VERSION@) into
# the build folder, where Q_PLUGIN_METADATA(... FILE "<name>.json") finds it. The library lands
# in ${CMAKE_BINARY_DIR}/plugins, where the build-tree applications and the tests look (or in
# OUTPUT_DIRECTORY, for test fixtures). The engine is linked statically with its symbols kept
# local (--exclude-libs), so each plugin has a private copy that neither the executable nor
# another plugin interposes; --no-undefined catches a missing dependency at link time.
function(qs_add_plugin name)
  cmake_parse_arguments(ARG "ALLOW_UNDEFINED" "OUTPUT_DIRECTORY" "SOURCES;DEPS" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  set(_json_in "${CMAKE_CURRENT_SOURCE_DIR}/${name}.json.in")
  if(EXISTS "${_json_in}")
    configure_file("${_json_in}" "${CMAKE_CURRENT_BINARY_DIR}/${name}.json" @ONLY)
    target_include_directories(${name} PRIVATE "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/plugins")
  endif()
  target_compile_options(${name} PRIVATE ${QS_WARNINGS})
  target_compile_definitions(${name} PRIVATE QS_VERSION="${PROJECT_VERSION}")
  target_link_libraries(${name} PRIVATE qs_plugin_sdk ${ARG_DEPS})
  target_link_options(${name} PRIVATE "LINKER:--exclude-libs,ALL")
  if(NOT ARG_ALLOW_UNDEFINED)
    target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  endif()
  set_target_properties(${name} PROPERTIES
    AUTOMOC ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
endfunction()

# Install locations (GNUInstallDirs). Plugins live in a private folder below the library dir;
# with the usual prefixes that is /usr/lib/quantscope/plugins in the .deb. The path is relative
# to the prefix, so an application finds it as <dir of the executable>/../${QS_PLUGIN_INSTALL_DIR}.
include(GNUInstallDirs)
set(QS_PLUGIN_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/quantscope/plugins")

# qs_install_plugin(target) — installs a plugin (MODULE or SHARED library) into
# QS_PLUGIN_INSTALL_DIR, so that `cpack` puts it in the package. No RPATH: plugins only link
# system libraries and what the executable already loaded.
function(qs_install_plugin target)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "qs_install_plugin: no target named '${target}'")
  endif()
  install(TARGETS ${target}
    LIBRARY DESTINATION "${QS_PLUGIN_INSTALL_DIR}"
    RUNTIME DESTINATION "${QS_PLUGIN_INSTALL_DIR}")
endfunction()
