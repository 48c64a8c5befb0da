#include "tests/testing/manifest_checks.h"

#include <memory>

#include "common/clock.h"
#include "gtest/gtest.h"
#include "reconciler/manifest_source.h"
#include "tests/testing/fake_store.h"

namespace nxt::testing {

std::vector<std::string> ErrorsOf(const resources::ParseResult& result) {
  std::vector<std::string> out;
  for (const resources::FieldError& e : result.AllErrors()) out.push_back(e.ToString());
  return out;
}

std::vector<std::string> EditErrors(const std::string& file, const std::string& stored,
                                    const std::string& edit) {
  FakeStore store(RealClock::Get());
  resources::ParseResult first = resources::ParseManifest(BuiltinKinds(), file, stored);
  EXPECT_TRUE(first.ok()) << ::testing::PrintToString(ErrorsOf(first));
  for (resources::Object& o : first.objects) store.Apply(o);
  resources::ParseResult second = resources::ParseManifest(BuiltinKinds(), file, edit);
  std::vector<std::string> out = ErrorsOf(second);
  for (const resources::Object& o : second.objects) {
    for (const resources::FieldError& e :
         reconciler::CheckAgainstStored(BuiltinKinds(), o, store)) {
      out.push_back(e.ToString());
    }
  }
  return out;
}

}  // namespace nxt::testing
