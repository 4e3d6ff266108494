# The runtime's GoogleTest binaries built for arm64 inside the cross build,
# linked statically; test/runtime/arm64 runs them under qemu-aarch64. They
# are the host's tests (test/runtime/loader): on AArch64 they load and run
# the a64* objects, which the x86-64 build can only decode.
set(gtest_root /usr/src/googletest/googletest)
if(NOT EXISTS ${gtest_root}/src/gtest-all.cc)
  message(WARNING "GoogleTest sources not found in ${gtest_root} (libgtest-dev): "
    "no arm64 unit tests")
  return()
endif()

# GoogleTest from Debian's sources, optimised lightly to keep CI time small.
add_library(mica_arm64_gtest STATIC
  ${gtest_root}/src/gtest-all.cc ${gtest_root}/src/gtest_main.cc)
target_include_directories(mica_arm64_gtest SYSTEM
  PUBLIC ${gtest_root}/include PRIVATE ${gtest_root})
target_compile_options(mica_arm64_gtest PRIVATE -O1 -w)
find_package(Threads REQUIRED)
target_link_libraries(mica_arm64_gtest PUBLIC Threads::Threads)

set(MICA_ARM64_TEST_DIR ${CMAKE_BINARY_DIR}/unittests)
function(mica_add_arm64_unittest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE mica_arm64_gtest ${ARG_LIBS})
  target_link_options(${name} PRIVATE -static)
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${MICA_ARM64_TEST_DIR})
endfunction()

set(loader_tests ${PROJECT_SOURCE_DIR}/test/runtime/loader)
foreach(test LoaderTest:LoaderTest LoaderRelocationsTest:RelocationsTest
             LoaderCorruptionTest:CorruptionTest)
  string(REPLACE ":" ";" parts ${test})
  list(GET parts 0 name)
  list(GET parts 1 source)
  mica_add_arm64_unittest(${name}
    SOURCES ${loader_tests}/${source}.cpp LIBS mica_runtime_loader)
  target_compile_definitions(${name} PRIVATE
    MICA_LOADER_INPUTS_DIR="${MICA_LOADER_INPUTS_DIR}")
endforeach()
