# Warning set shared by every crmd target (style.md 2.7). Third-party headers come in as system
# includes, so these apply to our code only.
add_library(crm_warnings INTERFACE)
target_compile_options(crm_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(crm_warnings INTERFACE -Wthread-safety)
endif()
if(CRM_WARNINGS_AS_ERRORS)
  target_compile_options(crm_warnings INTERFACE -Werror)
endif()
