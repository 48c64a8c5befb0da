// Manifest checks as nxtd runs them, for the kinds' spec tests: parse + schema +
// semantic rules, and an edit checked against the object nxtd holds (CheckAgainstStored).
// Errors as the user reads them: "file:line:col: field.path: message".
#ifndef NXT_TESTS_TESTING_MANIFEST_CHECKS_H_
#define NXT_TESTS_TESTING_MANIFEST_CHECKS_H_

#include <string>
#include <vector>

#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"
#include "tests/testing/builtin_kinds.h"  // BuiltinKinds()

namespace nxt::testing {

// Every error of a parse, formatted.
std::vector<std::string> ErrorsOf(const resources::ParseResult& result);

// The errors nxtd reports when the manifest `file` changes from `stored` (which must be
// valid) to `edit`.
std::vector<std::string> EditErrors(const std::string& file, const std::string& stored,
                                    const std::string& edit);

}  // namespace nxt::testing

#endif  // NXT_TESTS_TESTING_MANIFEST_CHECKS_H_
