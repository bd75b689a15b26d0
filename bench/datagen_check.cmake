# CTest check that crmd_datagen still matches the schema: generates a small data set, then has
# `crmd migrate` open it (which fails on a database it cannot use) and checks the id lists; then
# runs the insert and update limits on it.
# Arguments: -DDATAGEN=path -DCRMD=path -DWORK_DIR=dir.
cmake_minimum_required(VERSION 3.25)

# `crmd migrate` fails on a database it cannot use; WHEN says at which step it ran.
function(expect_crmd_opens when)
  execute_process(COMMAND "${CRMD}" migrate --data "${WORK_DIR}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "crmd migrate ${when} failed (${rc}):\n${out}\n${err}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
execute_process(COMMAND "${DATAGEN}" --data "${WORK_DIR}" --contacts 200 --users 2 --seed 7
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "crmd_datagen failed (${rc}):\n${out}\n${err}")
endif()
if(NOT out MATCHES "\"contacts\":200")
  message(FATAL_ERROR "unexpected manifest: ${out}")
endif()
expect_crmd_opens("on the generated data")
# The insert limit (bench/run.sh's limit rows) appends to that data set, in savepoints and in
# transactions of several rows, and leaves a database crmd still opens.
execute_process(COMMAND "${DATAGEN}" --data "${WORK_DIR}" --insert-limit 25 --rows-per-commit 10
                        --savepoint-per-row
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\"rows\":25,")
  message(FATAL_ERROR "crmd_datagen --insert-limit failed (${rc}):\n${out}\n${err}")
endif()
expect_crmd_opens("after the insert limit")
# The update limit changes random contacts in savepoints and commits every one: as many contacts
# read back with its description as it says it updated, the last update among them, and crmd
# still opens the database.
execute_process(COMMAND "${DATAGEN}" --data "${WORK_DIR}" --update-limit 30 --rows-per-commit 8
                        --savepoint-per-row
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\"rows\":30,\"contacts\":([0-9]+),")
  message(FATAL_ERROR "crmd_datagen --update-limit failed (${rc}):\n${out}\n${err}")
endif()
set(updated_contacts ${CMAKE_MATCH_1})
execute_process(COMMAND "${CRMD}" export Contact --data "${WORK_DIR}" --select description --where
                        [{"type":"startsWith","attribute":"description","value":"Updated by the crmd update limit"}]
                RESULT_VARIABLE rc OUTPUT_VARIABLE csv ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "crmd export after the update limit failed (${rc}):\n${err}")
endif()
string(REGEX MATCHALL "Updated by the crmd update limit [0-9]+-[0-9]+" updated "${csv}")
list(LENGTH updated count)
if(NOT count EQUAL updated_contacts OR NOT csv MATCHES "update limit [0-9]+-29")
  message(FATAL_ERROR "expected ${updated_contacts} updated contacts, the last one by update 29; "
                      "read:\n${csv}")
endif()
expect_crmd_opens("after the update limit")
file(STRINGS "${WORK_DIR}/bench/contact_ids.txt" ids)
list(LENGTH ids count)
if(NOT count EQUAL 200)
  message(FATAL_ERROR "contact_ids.txt has ${count} ids, expected 200")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
