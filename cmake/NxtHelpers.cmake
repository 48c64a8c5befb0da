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

# nxt_cc_test(NAME SRCS DEPS LABELS): a GoogleTest binary registered with CTest.
# LABELS is one of unit, docker, e2e (default unit).
function(nxt_cc_test)
  cmake_parse_arguments(NXT "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT NXT_LABELS)
    set(NXT_LABELS unit)
  endif()
  if(NOT NXT_TIMEOUT)
    set(NXT_TIMEOUT 300)
  endif()
  add_executable(${NXT_NAME} ${NXT_SRCS})
  target_link_libraries(${NXT_NAME} PRIVATE ${NXT_DEPS} nxt::testing GTest::gmock)
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
