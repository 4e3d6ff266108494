# The runtime's GoogleTest binaries built for arm64 inside the cross build,
# linked statically; test/runtime/arm64 runs them under qemu-aarch64. They
# are the host's tests (test/runtime/loader, test/runtime/model and the
# runner's formats test), unchanged: on AArch64 the loader tests load and run
# the a64* objects and the model tests run the AArch64 kernels, which the
# x86-64 build can only decode. The objects they load are compiled by the
# host build (MICA_LOADER_INPUTS_DIR, MICA_MODEL_INPUTS_DIR).
set(gtest_root /usr/src/googletest/googletest)
if(NOT EXISTS ${gtest_root}/src/gtest-all.cc)
  message(WARNING "GoogleTest sources not found in ${gtest_root} (libgtest-dev): "
    "no arm64 unit tests")
  return()
endif()

# GoogleTest from Debian's sources, unoptimised: it compiles in a quarter of
# the time, which is what CI pays for.
add_library(mica_arm64_gtest STATIC
  ${gtest_root}/src/gtest-all.cc ${gtest_root}/src/gtest_main.cc)
target_include_directories(mica_arm64_gtest SYSTEM
  PUBLIC ${gtest_root}/include PRIVATE ${gtest_root})
target_compile_options(mica_arm64_gtest PRIVATE -O0 -w)
find_package(Threads REQUIRED)
target_link_libraries(mica_arm64_gtest PUBLIC Threads::Threads)

set(MICA_ARM64_TEST_DIR ${CMAKE_BINARY_DIR}/unittests)
function(mica_add_arm64_unittest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE mica_arm64_gtest ${ARG_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  # Test code needs no speed (the runtime libraries under test keep -O2).
  target_compile_options(${name} PRIVATE -O0)
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

# The model runtime's tests, with the compiler's artifact writer (plain C++
# and flatbuffers) built for arm64 too.
set(model_tests ${PROJECT_SOURCE_DIR}/test/runtime/model)
if(MICA_MODEL_INPUTS_DIR AND EXISTS ${model_tests}/ModelTest.cpp)
  add_library(mica_arm64_artifact STATIC
    ${PROJECT_SOURCE_DIR}/compiler/artifact/ArtifactWriter.cpp
    ${PROJECT_SOURCE_DIR}/compiler/artifact/ConstantEncoding.cpp)
  target_link_libraries(mica_arm64_artifact
    PUBLIC mica_artifact_schema mica_runtime)
  foreach(test ModelTest:ModelTest ModelValidationTest:ValidationTest
               ModelCorruptionTest:CorruptionTest
               ModelEncodedConstantsTest:EncodedConstantsTest)
    string(REPLACE ":" ";" parts ${test})
    list(GET parts 0 name)
    list(GET parts 1 source)
    mica_add_arm64_unittest(${name}
      SOURCES ${model_tests}/${source}.cpp ${model_tests}/Inputs/kernels.c
      LIBS mica_arm64_artifact mica_runtime)
    target_compile_definitions(${name} PRIVATE
      MICA_MODEL_INPUTS_DIR="${MICA_MODEL_INPUTS_DIR}")
  endforeach()
  # Streamed weights (runtime/stream), on the same artifacts.
  mica_add_arm64_unittest(StreamTest
    SOURCES ${PROJECT_SOURCE_DIR}/test/runtime/stream/StreamTest.cpp
            ${model_tests}/Inputs/kernels.c
    LIBS mica_arm64_artifact mica_runtime_stream)
  target_compile_definitions(StreamTest PRIVATE
    MICA_MODEL_INPUTS_DIR="${MICA_MODEL_INPUTS_DIR}")
endif()

# The runner's file formats (the tool itself runs in test/runtime/arm64).
if(TARGET mica_runner)
  set(runner_tests ${PROJECT_SOURCE_DIR}/test/runtime/tools/runner)
  mica_add_arm64_unittest(RunnerFormatsTest
    SOURCES ${runner_tests}/NpyTest.cpp ${runner_tests}/TensorProtoTest.cpp
            ${runner_tests}/JsonTest.cpp
    LIBS mica_runner)
endif()
