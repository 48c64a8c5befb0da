# nxt_cc_library(NAME HDRS SRCS DEPS): one library per folder, aliased nxt::<name>.
# A library with no SRCS is an INTERFACE target (a pure interface header).
function(nxt_cc_library)
  cmake_parse_arguments(NXT "" "NAME" "HDRS;SRCS;DEPS" ${ARGN})
  if(NXT_SRCS)
    add_library(nxt_${NXT_NAME} STATIC ${NXT_SRCS} ${NXT_HDRS})
    target_include_directories(nxt_${NXT_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(nxt_${NXT_NAME} PUBLIC ${NXT_DEPS})
  else()
    add_library(nxt_${NXT_NAME} INTERFACE)
    target_include_directories(nxt_${NXT_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(nxt_${NXT_NAME} INTERFACE ${NXT_DEPS})
  endif()
  add_library(nxt::${NXT_NAME} ALIAS nxt_${NXT_NAME})
endfunction()

# nxt_cc_test(NAME SRCS DEPS LABELS TIMEOUT [GROUPED]): a GoogleTest binary registered
# with CTest. LABELS is one of unit, docker, e2e (default unit); TIMEOUT in seconds
# (default 300). GROUPED: the binary is not one CTest test; nxt_test_group() registers
# parts of it (its LABELS and TIMEOUT are their defaults).
function(nxt_cc_test)
  cmake_parse_arguments(NXT "GROUPED" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT NXT_LABELS)
    set(NXT_LABELS unit)
  endif()
  if(NOT NXT_TIMEOUT)
    set(NXT_TIMEOUT 300)
  endif()
  add_executable(${NXT_NAME} ${NXT_SRCS})
  target_link_libraries(${NXT_NAME} PRIVATE ${NXT_DEPS} nxt::testing GTest::gmock)
  if(NXT_GROUPED)
    set_target_properties(${NXT_NAME} PROPERTIES NXT_TEST_LABELS "${NXT_LABELS}"
      NXT_TEST_TIMEOUT ${NXT_TIMEOUT})
    return()
  endif()
  add_test(NAME ${NXT_NAME} COMMAND ${NXT_NAME})
  set_tests_properties(${NXT_NAME} PROPERTIES LABELS "${NXT_LABELS}"
    TIMEOUT ${NXT_TIMEOUT}
    ENVIRONMENT "NXT_SOURCE_DIR=${PROJECT_SOURCE_DIR};NXT_BINARY_DIR=${PROJECT_BINARY_DIR}")
  # Tests that drive the shared Docker engine run one at a time (ctest -j still runs
  # unit tests beside them).
  if("docker" IN_LIST NXT_LABELS OR "e2e" IN_LIST NXT_LABELS)
    set_tests_properties(${NXT_NAME} PROPERTIES RESOURCE_LOCK docker)
  endif()
endfunction()

# nxt_test_group(TARGET NAME TESTS... [LOCKS...] [PROCESSORS n] [COST s] [TIMEOUT s]): the CTest
# test NAME runs part of the test binary TARGET (made by nxt_cc_test(... GROUPED)), so
# the parts of a long binary run side by side under ctest -j. TESTS are gtest suites
# ("Suite", every test in it) or single tests ("Suite.Test"), passed as --gtest_filter.
# NAME gets TARGET's labels and timeout (TIMEOUT overrides), RESOURCE_LOCK LOCKS (none
# by default), PROCESSORS (default 1: the share of ctest -j it takes) and COST (the
# seconds it takes, measured: ctest starts the longest first when it has no timings of
# its own yet, as in a fresh clone, so the longest group is not left for the end).
# nxt_test_groups_check(TARGET) must follow the last group of TARGET.
function(nxt_test_group)
  cmake_parse_arguments(NXT "" "TARGET;NAME;PROCESSORS;COST;TIMEOUT" "TESTS;LOCKS" ${ARGN})
  get_target_property(labels ${NXT_TARGET} NXT_TEST_LABELS)
  if(NOT labels)
    message(FATAL_ERROR "nxt_test_group(${NXT_NAME}): ${NXT_TARGET} is not nxt_cc_test(... GROUPED)")
  endif()
  if(NOT NXT_TESTS)
    message(FATAL_ERROR "nxt_test_group(${NXT_NAME}): no TESTS")
  endif()
  if(NOT NXT_TIMEOUT)
    get_target_property(NXT_TIMEOUT ${NXT_TARGET} NXT_TEST_TIMEOUT)
  endif()
  if(NOT NXT_PROCESSORS)
    set(NXT_PROCESSORS 1)
  endif()
  set(patterns "")
  foreach(t IN LISTS NXT_TESTS)
    if(t MATCHES "^[A-Za-z0-9_]+$")
      list(APPEND patterns "${t}.*")
    elseif(t MATCHES "^[A-Za-z0-9_]+\\.[A-Za-z0-9_]+$")
      list(APPEND patterns "${t}")
    else()
      message(FATAL_ERROR "nxt_test_group(${NXT_NAME}): '${t}' is neither Suite nor Suite.Test")
    endif()
    set_property(TARGET ${NXT_TARGET} APPEND PROPERTY NXT_TEST_GROUPS "${NXT_NAME} ${t}")
  endforeach()
  string(REPLACE ";" ":" filter "${patterns}")
  add_test(NAME ${NXT_NAME} COMMAND ${NXT_TARGET} --gtest_filter=${filter})
  set_tests_properties(${NXT_NAME} PROPERTIES LABELS "${labels}" TIMEOUT ${NXT_TIMEOUT}
    PROCESSORS ${NXT_PROCESSORS}
    ENVIRONMENT "NXT_SOURCE_DIR=${PROJECT_SOURCE_DIR};NXT_BINARY_DIR=${PROJECT_BINARY_DIR}")
  if(NXT_LOCKS)
    set_tests_properties(${NXT_NAME} PROPERTIES RESOURCE_LOCK "${NXT_LOCKS}")
  endif()
  if(NXT_COST)
    set_tests_properties(${NXT_NAME} PROPERTIES COST ${NXT_COST})
  endif()
endfunction()

# nxt_test_groups_check(TARGET): the unit test <TARGET>_groups fails unless every test
# that TARGET lists (--gtest_list_tests) is in exactly one nxt_test_group of TARGET and
# every group entry names a suite or test that exists, so no test is silently dropped.
function(nxt_test_groups_check TARGET)
  get_target_property(groups ${TARGET} NXT_TEST_GROUPS)
  if(NOT groups)
    message(FATAL_ERROR "nxt_test_groups_check(${TARGET}): no nxt_test_group of ${TARGET}")
  endif()
  set(file "${CMAKE_CURRENT_BINARY_DIR}/${TARGET}_groups.txt")
  string(REPLACE ";" "\n" text "${groups}")
  file(WRITE "${file}" "${text}\n")
  add_test(NAME ${TARGET}_groups
    COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:${TARGET}> -DGROUPS_FILE=${file}
      -P ${PROJECT_SOURCE_DIR}/cmake/NxtCheckTestGroups.cmake)
  set_tests_properties(${TARGET}_groups PROPERTIES LABELS unit TIMEOUT 60)
endfunction()

# NXT_KINDS: the folder of every kind, in the order of the registration list
# crd-schemas/kinds.def (one `NXT_KIND(folder, Kind)` line per kind). Every CMakeLists
# that needs the kinds loops over this list instead of naming them.
function(nxt_read_kinds)
  set(def ${PROJECT_SOURCE_DIR}/crd-schemas/kinds.def)
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${def})
  file(STRINGS ${def} lines REGEX "^NXT_KIND\\(")
  set(kinds "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^NXT_KIND\\(([a-z0-9_]+), *[A-Za-z0-9]+\\).*$" "\\1" kind "${line}")
    list(APPEND kinds ${kind})
  endforeach()
  set(NXT_KINDS ${kinds} PARENT_SCOPE)
endfunction()
