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
