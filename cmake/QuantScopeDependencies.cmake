# Every dependency comes from a Debian 12 package (installer/install_deps.sh).
find_package(Threads REQUIRED)
find_package(TBB REQUIRED)
find_package(hwy REQUIRED)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SentencePiece REQUIRED IMPORTED_TARGET sentencepiece)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
set(HDF5_USE_STATIC_LIBRARIES OFF)
find_package(HDF5 REQUIRED COMPONENTS C)

# Qt Core always: the plugin host (plugins/host) serves the CLI (`quantscope-cli plugins`) too.
find_package(Qt6 6.4 REQUIRED COMPONENTS Core)
if(QS_BUILD_GUI OR QS_BUILD_TESTS)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Concurrent Test Charts Svg)
  set(CMAKE_AUTOMOC ON)
  set(CMAKE_AUTORCC ON)
endif()
