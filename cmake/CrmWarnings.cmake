# Warning set shared by every crmd target (style.md 2.7). Third-party headers come in as system
# includes, so these apply to our code only.
add_library(crm_warnings INTERFACE)
target_compile_options(crm_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(crm_warnings INTERFACE -Wthread-safety)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports impossible overlaps inside std::string's operator+ at -O3 (GCC bug 105329), and
  # flags std::optional<std::string> members as maybe-uninitialized after inlining (GCC bug 107138).
  # The second stays a warning so that real cases remain visible.
  target_compile_options(crm_warnings INTERFACE -Wno-restrict -Wno-error=maybe-uninitialized)
endif()
if(CRM_WARNINGS_AS_ERRORS)
  target_compile_options(crm_warnings INTERFACE -Werror)
endif()
