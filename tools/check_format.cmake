cmake_minimum_required(VERSION 3.25)
# Fails when any C++ source is not formatted as .clang-format says (run `make format` to fix).
file(GLOB_RECURSE files "${SOURCE_DIR}/src/*.cpp" "${SOURCE_DIR}/src/*.hpp" "${SOURCE_DIR}/tests/*.cpp"
     "${SOURCE_DIR}/tests/*.hpp" "${SOURCE_DIR}/bench/*.cpp" "${SOURCE_DIR}/fuzz/*.cpp")
list(FILTER files EXCLUDE REGEX "/node_modules/")
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clang-format found unformatted files; run `make format`")
endif()
