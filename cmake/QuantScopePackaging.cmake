# Install rules and CPack: `cpack -G DEB` / `cpack -G TGZ` in the build folder, or
# `cmake --build --preset release --target package`. Included at the end of the top-level
# CMakeLists.txt, once every target exists. Only the two applications and their desktop
# integration are installed: no tests, no benchmarks, no static libraries, no headers.
#
# Every library is either static (the engine, the widgets) or a Debian system library, so the
# installed binaries carry no RPATH (CMAKE_INSTALL_RPATH stays empty; the build-tree RUNPATH
# is removed at install time). tests/packaging/check_deb.sh checks that.

include(GNUInstallDirs)   # QS_PLUGIN_INSTALL_DIR and qs_install_plugin() are in QuantScopeHelpers

# --- applications ---------------------------------------------------------------------------
install(TARGETS quantscope-cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
if(TARGET quantscope)
  install(TARGETS quantscope RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
endif()

# The plugin folder is part of the package even while it is empty, so the application can rely
# on it; plugin targets install themselves there through qs_install_plugin().
install(DIRECTORY DESTINATION "${QS_PLUGIN_INSTALL_DIR}")

# --- desktop integration ----------------------------------------------------------------------
set(_qs_res "${PROJECT_SOURCE_DIR}/resources")
if(TARGET quantscope)
  install(FILES "${_qs_res}/quantscope.desktop" DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
  install(FILES "${_qs_res}/icons/quantscope.svg"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps")
  install(FILES "${_qs_res}/org.quantscope.QuantScope.metainfo.xml"
          DESTINATION "${CMAKE_INSTALL_DATADIR}/metainfo")
endif()

# --- man page, gzip'ed at build time (-n: no name or time stamp, so the .gz is reproducible) ---
set(_qs_man "${PROJECT_SOURCE_DIR}/docs/quantscope-cli.1")
find_program(QS_GZIP gzip)
if(QS_GZIP)
  set(_qs_man_gz "${PROJECT_BINARY_DIR}/docs/quantscope-cli.1.gz")
  add_custom_command(OUTPUT "${_qs_man_gz}"
    COMMAND ${CMAKE_COMMAND} -E copy "${_qs_man}" "${PROJECT_BINARY_DIR}/docs/quantscope-cli.1"
    COMMAND "${QS_GZIP}" -9 -n -f "${PROJECT_BINARY_DIR}/docs/quantscope-cli.1"
    DEPENDS "${_qs_man}"
    COMMENT "Compressing the quantscope-cli man page"
    VERBATIM)
  add_custom_target(qs_manpage ALL DEPENDS "${_qs_man_gz}")
  install(FILES "${_qs_man_gz}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
else()
  install(FILES "${_qs_man}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1")
endif()

# --- CPack -------------------------------------------------------------------------------------
set(QS_PACKAGE_MAINTAINER "QuantScope developers <quantscope@example.org>" CACHE STRING
    "Maintainer field of the .deb (Name <email>)")

set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_PACKAGE_NAME "quantscope")
set(CPACK_PACKAGE_VENDOR "QuantScope")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${QS_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
"QuantScope loads a llama2.c, GGUF or Hugging Face model, evaluates it against its
full-precision self and shows where quantization breaks it: per-layer formats, perplexity,
KL divergence, top-1 agreement and calibration, updated incrementally as formats change.
quantscope is the Qt workbench; quantscope-cli is its scriptable command-line twin
(evaluation, sweeps, imatrix, export to GGUF and Hugging Face quantization configs).")
set(CPACK_PACKAGE_INSTALL_DIRECTORY "quantscope")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/;/build[^/]*/")

# .deb: quantscope_<version>_<arch>.deb; library dependencies from dpkg-shlibdeps (needs the
# dpkg-dev and file packages, see installer/install_deps.sh). The Qt platform plugins are loaded
# at run time, so shlibdeps cannot see them: the GUI cannot open a window without them.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "science")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
if(TARGET quantscope)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
endif()

include(CPack)
