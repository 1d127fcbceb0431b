# Precompiled headers for the targets whose every file reads the same heavy headers: gRPC and
# the generated API, GoogleTest, protobuf. Parsing them once per target rather than once per
# file: reading <grpcpp/grpcpp.h> and the generated API alone takes 9 s of CPU, about half of
# compiling a file of the API, and CI builds the tree three times (default, ASan, TSan).
# -DCHAIRD_PRECOMPILED_HEADERS=OFF builds without them (a file that forgets an include then
# shows it).
option(CHAIRD_PRECOMPILED_HEADERS "Precompile the heavy headers of the API and test targets" ON)

set(CHAIRD_PCH_COMMON <algorithm> <chrono> <functional> <map> <memory> <optional> <string>
                      <string_view> <vector> <fmt/format.h> <google/protobuf/message.h>)

# chaird_precompile(<target> [GRPC] [GTEST] [HEADERS h...]): GRPC adds gRPC and the generated
# API (the target must link chair_proto), GTEST adds GoogleTest and GoogleMock, HEADERS the
# target's own headers that most of its files include (its test fixtures).
function(chaird_precompile target)
  if(NOT CHAIRD_PRECOMPILED_HEADERS)
    return()
  endif()
  cmake_parse_arguments(ARG "GRPC;GTEST" "" "HEADERS" ${ARGN})
  set(headers ${CHAIRD_PCH_COMMON})
  if(ARG_GRPC)
    # The services with the way chaird reads requests (wire/chair_services.hpp), never the
    # generated header alone: its request-reading specializations must come first.
    list(APPEND headers [["wire/chair_services.hpp"]] <grpcpp/grpcpp.h>)
  endif()
  if(ARG_GTEST)
    list(APPEND headers <gtest/gtest.h> <gmock/gmock.h>)
  endif()
  # Paths relative to the calling CMakeLists.txt (CMake includes them by their full path).
  list(APPEND headers ${ARG_HEADERS})
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
