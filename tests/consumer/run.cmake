# cmake -P script: install strata from STRATA_BUILD_DIR into WORK_DIR/prefix, then configure,
# build and run the consumer project against it; then build and run the same program without CMake,
# with CXX_COMPILER and the flags `pkg-config --cflags --libs strata-sqlite` prints from the prefix
# (SEPARATE_COMPILATION says which mode the install is in; INSTALL_LIBDIR where its .pc files are).
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${STRATA_BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cmake --install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "configuring the consumer with find_package(strata) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the consumer program failed")
endif()
message(STATUS "find_package(strata) from an install: consumer built and ran")

find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${WORK_DIR}/prefix/${INSTALL_LIBDIR}/pkgconfig")
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs strata-sqlite OUTPUT_VARIABLE flags
                OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs strata-sqlite failed")
endif()
# Without the definition a source file compiles strata header-only beside the libraries: it links
# and runs, and pays the compile time the libraries exist to save. So the flags are checked.
if(SEPARATE_COMPILATION AND NOT flags MATCHES "-DSTRATA_SEPARATE_COMPILATION.*-lstrata_sqlite .*-lstrata ")
  message(FATAL_ERROR "pkg-config's flags lack the definition or the libraries in link order: ${flags}")
elseif(NOT SEPARATE_COMPILATION AND flags MATCHES "STRATA_SEPARATE_COMPILATION|-lstrata")
  message(FATAL_ERROR "a header-only install's flags name the separately compiled libraries: ${flags}")
endif()
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND ${CXX_COMPILER} -std=c++20 ${CONSUMER_SOURCE_DIR}/main.cpp ${flags} -o ${WORK_DIR}/pkg_config_consumer
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "building the consumer with pkg-config's flags failed")
endif()
execute_process(COMMAND ${WORK_DIR}/pkg_config_consumer RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the consumer built with pkg-config's flags failed")
endif()
message(STATUS "pkg-config from an install: consumer built and ran (${flags})")
