# Runs PROGRAM in an empty RUN_DIR (README snippets write app.db where they run); fails when it does.
file(REMOVE_RECURSE ${RUN_DIR})
file(MAKE_DIRECTORY ${RUN_DIR})
execute_process(COMMAND ${PROGRAM} WORKING_DIRECTORY ${RUN_DIR} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${status}")
endif()
