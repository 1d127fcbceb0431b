# Warnings for the project's own code. Generated protobuf code is compiled without them.
add_library(chaird_warnings INTERFACE)
target_compile_options(chaird_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                                 -Wold-style-cast -Woverloaded-virtual)
# clang checks what the capability annotations say (common/thread_annotations.hpp): a guarded
# member touched without its mutex, a function called without the lock it requires. These and
# a private field nothing uses fail the build.
target_compile_options(chaird_warnings INTERFACE
  $<$<CXX_COMPILER_ID:Clang>:-Wthread-safety -Werror=thread-safety -Werror=unused-private-field>)
# Boost.DLL over std::filesystem: no boost_filesystem library needed.
add_library(chaird_boost_dll INTERFACE)
target_compile_definitions(chaird_boost_dll INTERFACE BOOST_DLL_USE_STD_FS)
target_link_libraries(chaird_boost_dll INTERFACE Boost::headers ${CMAKE_DL_LIBS})
