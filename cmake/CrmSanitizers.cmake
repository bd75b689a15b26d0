# CRM_SANITIZE="address;undefined" (or "thread") instruments every target, tests included.
if(CRM_SANITIZE)
  string(REPLACE ";" "," _crm_sanitizers "${CRM_SANITIZE}")
  add_compile_options(-fsanitize=${_crm_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_crm_sanitizers})
endif()
