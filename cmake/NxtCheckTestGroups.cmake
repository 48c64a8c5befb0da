# cmake -DBINARY=<gtest binary> -DGROUPS_FILE=<file> -P NxtCheckTestGroups.cmake
#
# The test <target>_groups (nxt_test_groups_check in NxtHelpers.cmake). GROUPS_FILE has one
# line "<ctest name> <Suite or Suite.Test>" per entry of every nxt_test_group of the binary.
# Fails (FATAL_ERROR, each problem named) when a test that `BINARY --gtest_list_tests`
# lists is in no group or in more than one, or when an entry matches no test.
cmake_minimum_required(VERSION 3.25)
if(NOT BINARY OR NOT GROUPS_FILE)
  message(FATAL_ERROR "usage: cmake -DBINARY=... -DGROUPS_FILE=... -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

execute_process(COMMAND "${BINARY}" --gtest_list_tests
  OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BINARY} --gtest_list_tests exited ${rc}: ${errors}")
endif()

# The listing: "Suite." lines, each followed by "  Test" lines (a "  # ..." comment may
# follow a name).
string(REPLACE ";" "," listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(tests "")
set(suite "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([A-Za-z0-9_/]+)\\.")
    set(suite "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^  ([A-Za-z0-9_/]+)")
    list(APPEND tests "${suite}.${CMAKE_MATCH_1}")
  endif()
endforeach()
list(LENGTH tests test_count)
if(test_count EQUAL 0)
  message(FATAL_ERROR "${BINARY} lists no tests")
endif()

file(STRINGS "${GROUPS_FILE}" entries)
set(problems "")
set(used_entries "")
foreach(test IN LISTS tests)
  string(REGEX REPLACE "\\..*" "" test_suite "${test}")
  set(groups "")
  foreach(entry IN LISTS entries)
    string(REGEX MATCH "^[^ ]+" group "${entry}")
    string(REGEX REPLACE "^[^ ]+ " "" pattern "${entry}")
    if(pattern STREQUAL test_suite OR pattern STREQUAL test)
      list(APPEND groups "${group}")
      list(APPEND used_entries "${entry}")
    endif()
  endforeach()
  list(LENGTH groups n)
  if(n EQUAL 0)
    list(APPEND problems "${test} is in no nxt_test_group: add it (or its suite) to one")
  elseif(n GREATER 1)
    string(REPLACE ";" ", " groups "${groups}")
    list(APPEND problems "${test} is in ${n} groups: ${groups}")
  endif()
endforeach()
foreach(entry IN LISTS entries)
  if(NOT entry IN_LIST used_entries)
    list(APPEND problems "group entry '${entry}' matches no test of the binary")
  endif()
endforeach()

if(problems)
  string(REPLACE ";" "\n  " problems "${problems}")
  message(FATAL_ERROR "${BINARY}: the CTest groups do not cover its tests exactly once:\n  "
    "${problems}\n(the groups are the nxt_test_group calls next to the binary's nxt_cc_test)")
endif()
list(LENGTH entries entry_count)
message(STATUS "${test_count} tests, each in exactly one of the groups (${entry_count} entries)")
