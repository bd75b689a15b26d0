# CRM_SANITIZE="address;undefined" (or "thread") instruments every target, tests included.
if(CRM_SANITIZE)
  string(REPLACE ";" "," _crm_sanitizers "${CRM_SANITIZE}")
  add_compile_options(-fsanitize=${_crm_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_crm_sanitizers})
  if("thread" IN_LIST CRM_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC warns (-Wtsan) that ThreadSanitizer does not model std::atomic_thread_fence, which Asio's
    # handler invocation uses (detail::std_fenced_block). Those fences back up the scheduler's
    # mutex, which TSan does see, so the warning is noise; as an error it would stop the build.
    add_compile_options(-Wno-tsan)
  endif()
endif()
