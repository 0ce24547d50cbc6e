# Builds one compile_fail target and passes only when the build fails and its *first* error is
# the expected message: a clear static_assert buried under other errors is not good enough.
#   cmake -DBUILD_DIR=... -DTARGET=... -DEXPECTATION=... -P first_error.cmake
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
                OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE status)
if(status EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but this mistake must not compile")
endif()
string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${output}${errors}")
string(FIND "${first_error}" "${EXPECTATION}" position)
if(position EQUAL -1)
  message(FATAL_ERROR "the first error is not \"${EXPECTATION}\" but:\n${first_error}\n\nfull output:\n${output}${errors}")
endif()
message(STATUS "first error: ${first_error}")
