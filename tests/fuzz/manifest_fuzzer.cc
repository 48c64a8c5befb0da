// libFuzzer target: any bytes through ParseManifest must neither crash, hang nor leak, and
// every object it accepts must survive ToManifestYaml → ParseManifest unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "resources/containerset.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"

namespace {

constexpr size_t kRoundTripMaxBytes = 64 << 20;

const nxt::resources::KindRegistry& Kinds() {
  static const std::shared_ptr<const nxt::resources::KindRegistry> kKinds = [] {
    auto kinds = nxt::resources::KindRegistry::Builtin();
    if (!kinds.ok()) {
      std::fprintf(stderr, "builtin kinds: %s\n", std::string(kinds.status().message()).c_str());
      __builtin_trap();
    }
    return *kinds;
  }();
  return *kKinds;
}

void CheckRoundTrip(const nxt::resources::Object& object) {
  std::string yaml = nxt::resources::ToManifestYaml(object);
  // Aliases are spelled out: an accepted document may render past the 1 MiB file limit
  // (nxtd's apply refuses to write such a file), but never past the expansion limit.
  nxt::resources::ParseResult again =
      ParseManifest(Kinds(), "again.yaml", yaml, kRoundTripMaxBytes);
  if (!again.ok() || again.objects.size() != 1 || again.objects[0].spec != object.spec ||
      again.objects[0].Key() != object.Key() ||
      again.objects[0].metadata.labels != object.metadata.labels ||
      again.objects[0].metadata.annotations != object.metadata.annotations) {
    std::fprintf(stderr, "round trip changed the object:\n%s\n%s\n", yaml.c_str(),
                 nxt::resources::JoinErrors(again.AllErrors()).c_str());
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string content(reinterpret_cast<const char*>(data), size);
  nxt::resources::ParseResult result = ParseManifest(Kinds(), "fuzz.yaml", content);
  for (const nxt::resources::Object& object : result.objects) {
    (void)nxt::resources::DecodeContainerSetSpec(object.spec);
    CheckRoundTrip(object);
  }
  (void)result.AllErrors();
  return 0;
}
