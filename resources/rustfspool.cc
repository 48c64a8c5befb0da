#include "resources/rustfspool.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "resources/field_path.h"
#include "resources/resource_limits.h"

namespace nxt::resources {
namespace {

using internal::IndexPath;

std::string Quote(const std::string& s) { return boost::json::serialize(boost::json::value(s)); }

// Reads that tolerate a spec the schema rejected (semantic checks still run then).
std::optional<int64_t> IntField(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}
const boost::json::object* ObjectField(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}
const boost::json::array* ArrayField(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}
std::string TextField(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : "";
}

// Each drive's host path root ("" = named volume), `count` entries.
std::vector<std::string> DriveStorage(const boost::json::object& spec, size_t count) {
  std::vector<std::string> out(count);
  if (const boost::json::array* drives = ArrayField(spec, "drives")) {
    for (size_t d = 0; d < drives->size() && d < count; ++d) {
      if ((*drives)[d].is_object()) out[d] = TextField((*drives)[d].get_object(), "hostPath");
    }
  }
  return out;
}

std::string StorageText(const std::string& host_path) {
  return host_path.empty() ? std::string("a named volume per node")
                           : absl::StrCat("host path ", Quote(host_path));
}

std::string Immutable(const std::string& from, const std::string& to) {
  return absl::StrCat(
      "Forbidden: cannot change from ", from, " to ", to,
      " while the pool exists: the topology of a RustFS pool (nodes, drivesPerNode, drive "
      "storage) is fixed when it is created, because RustFS cannot re-lay out the drives of an "
      "existing pool; the running pool keeps its topology. For another topology create a new "
      "pool and copy the data");
}

bool IsNormalisedAbsolute(const std::string& path) {
  if (path.size() < 2 || path.front() != '/' || path.back() == '/') return false;
  for (absl::string_view part : absl::StrSplit(path.substr(1), '/')) {
    if (part.empty() || part == "." || part == "..") return false;
  }
  return true;
}

bool IsIpv4(const std::string& name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '.');
  if (parts.size() != 4) return false;
  for (absl::string_view p : parts) {
    int n = 0;
    if (p.empty() || !absl::SimpleAtoi(p, &n) || n < 0 || n > 255) return false;
  }
  return true;
}

class Checker {
 public:
  explicit Checker(std::vector<FieldError>& errors) : errors_(errors) {}

  void Nodes(int64_t nodes) {
    if (nodes > 1 && nodes < kRustFSMinDistributedNodes) {
      Error("spec.nodes",
            absl::StrCat("Invalid value: ", nodes,
                         ": must be 1 (a single-node pool) "
                         "or at least ",
                         kRustFSMinDistributedNodes, " (RustFS needs at least ",
                         kRustFSMinDistributedNodes, " nodes for a distributed pool)"));
    }
  }

  // `drives_per_node` is the defaulted spec's (nullopt when the schema refused it).
  void Drives(const boost::json::object& spec, std::optional<int64_t> drives_per_node) {
    const boost::json::array* drives = ArrayField(spec, "drives");
    if (drives == nullptr) return;
    if (drives_per_node && static_cast<int64_t>(drives->size()) != *drives_per_node) {
      Error("spec.drives",
            absl::StrCat("Invalid value: ", drives->size(),
                         " entries: must list one entry per drive (spec.drivesPerNode = ",
                         *drives_per_node, "), or be left out for named volumes"));
    }
    std::set<std::string> seen;
    for (size_t d = 0; d < drives->size(); ++d) {
      if (!(*drives)[d].is_object()) continue;
      const std::string host_path = TextField((*drives)[d].get_object(), "hostPath");
      if (host_path.empty()) continue;
      const std::string path = absl::StrCat(IndexPath("spec.drives", d), ".hostPath");
      if (!IsNormalisedAbsolute(host_path)) {
        Error(path, absl::StrCat("Invalid value: ", Quote(host_path),
                                 ": must be an absolute, normalised path other than / (no "
                                 "'.', '..', '//' or trailing '/')"));
      } else if (!seen.insert(host_path).second) {
        Error(path, absl::StrCat("Duplicate value: ", Quote(host_path),
                                 ": two drives of a node cannot share a directory"));
      }
    }
  }

  void Console(const boost::json::object& spec) {
    const boost::json::object* console = ObjectField(spec, "console");
    if (console == nullptr) return;
    if (IntField(*console, "port") == kRustFSApiPort) {
      Error("spec.console.port", absl::StrCat("Invalid value: ", kRustFSApiPort,
                                              ": the S3 API listens there; pick another port"));
    }
  }

  void Buckets(const boost::json::object& spec) {
    const boost::json::array* buckets = ArrayField(spec, "buckets");
    if (buckets == nullptr) return;
    std::set<std::string> seen;
    for (size_t i = 0; i < buckets->size(); ++i) {
      if (!(*buckets)[i].is_object()) continue;
      const std::string name = TextField((*buckets)[i].get_object(), "name");
      const std::string path = absl::StrCat(IndexPath("spec.buckets", i), ".name");
      if (const std::string problem = BucketNameProblem(name); !problem.empty()) {
        Error(path, absl::StrCat("Invalid value: ", Quote(name), ": ", problem));
      } else if (!seen.insert(name).second) {
        Error(path, absl::StrCat("Duplicate value: ", Quote(name)));
      }
    }
  }

  // The topology against the running object's.
  void Topology(const boost::json::object& spec, const boost::json::object& current) {
    const std::optional<int64_t> nodes = IntField(spec, "nodes");
    const std::optional<int64_t> cur_nodes = IntField(current, "nodes");
    if (nodes && cur_nodes && *nodes != *cur_nodes) {
      Error("spec.nodes", Immutable(absl::StrCat(*cur_nodes), absl::StrCat(*nodes)));
    }
    const std::optional<int64_t> drives_field = IntField(spec, "drivesPerNode");
    const std::optional<int64_t> cur_drives_field = IntField(current, "drivesPerNode");
    if (!drives_field || !cur_drives_field) return;  // refused by the schema
    const int64_t drives = *drives_field;
    const int64_t cur_drives = *cur_drives_field;
    if (drives != cur_drives) {
      Error("spec.drivesPerNode", Immutable(absl::StrCat(cur_drives), absl::StrCat(drives)));
      return;  // the drives' storage cannot be compared one by one
    }
    if (drives < 1) return;
    const std::vector<std::string> want = DriveStorage(spec, static_cast<size_t>(drives));
    const std::vector<std::string> have = DriveStorage(current, static_cast<size_t>(drives));
    for (size_t d = 0; d < want.size(); ++d) {
      if (want[d] == have[d]) continue;
      const std::string path = ArrayField(spec, "drives") != nullptr
                                   ? absl::StrCat(IndexPath("spec.drives", d), ".hostPath")
                                   : std::string("spec.drives");
      Error(path,
            absl::StrCat("drive ", d, ": ", Immutable(StorageText(have[d]), StorageText(want[d]))));
    }
  }

 private:
  void Error(const std::string& path, const std::string& message) {
    errors_.push_back({{}, path, message});
  }

  std::vector<FieldError>& errors_;
};

}  // namespace

std::string BucketNameProblem(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return "must be 3 to 63 characters long";
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) {
      return "may only contain lower case letters, digits, '.' and '-'";
    }
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(name.front()) || !alnum(name.back())) {
    return "must start and end with a letter or a digit";
  }
  if (absl::StrContains(name, "..") || absl::StrContains(name, ".-") ||
      absl::StrContains(name, "-.")) {
    return "must not contain \"..\", \".-\" or \"-.\"";
  }
  if (IsIpv4(name)) return "must not be formatted as an IP address";
  if (absl::StartsWith(name, "xn--")) return "must not start with \"xn--\"";
  if (absl::EndsWith(name, "-s3alias") || absl::EndsWith(name, "--ol-s3")) {
    return "must not end with \"-s3alias\" or \"--ol-s3\"";
  }
  return "";
}

absl::StatusOr<RustFSPoolSpec> DecodeRustFSPoolSpec(const boost::json::object& o) {
  RustFSPoolSpec spec;
  spec.nodes = static_cast<int>(IntField(o, "nodes").value_or(0));
  spec.drives_per_node = static_cast<int>(IntField(o, "drivesPerNode").value_or(0));
  spec.image = TextField(o, "image");
  spec.drive_host_paths = DriveStorage(o, static_cast<size_t>(std::max(spec.drives_per_node, 0)));
  if (const boost::json::object* console = ObjectField(o, "console")) {
    const boost::json::value* enabled = console->if_contains("enabled");
    spec.console_enabled = enabled != nullptr && enabled->is_bool() && enabled->get_bool();
    spec.console_port = static_cast<int>(IntField(*console, "port").value_or(0));
  }
  if (const boost::json::array* buckets = ArrayField(o, "buckets")) {
    for (const boost::json::value& b : *buckets) {
      if (!b.is_object()) continue;
      const boost::json::value* versioning = b.get_object().if_contains("versioning");
      spec.buckets.push_back({TextField(b.get_object(), "name"), versioning != nullptr &&
                                                                     versioning->is_bool() &&
                                                                     versioning->get_bool()});
    }
  }
  std::vector<FieldError> errors;
  const ResourceLimits limits = ReadResourceLimits(o, errors);
  if (absl::Status s = ToStatus(errors); !s.ok()) return s;
  spec.memory_bytes = limits.memory_bytes;
  spec.nano_cpus = limits.nano_cpus;
  spec.deletion_policy = TextField(o, "deletionPolicy") == "Delete" ? DeletionPolicy::kDelete
                                                                    : DeletionPolicy::kRetain;
  const boost::json::value* suspend = o.if_contains("suspend");
  spec.suspend = suspend != nullptr && suspend->is_bool() && suspend->get_bool();
  return spec;
}

std::vector<FieldError> CheckRustFSPool(const Object& desired, const Object* current) {
  std::vector<FieldError> errors;
  Checker check(errors);
  const boost::json::object& spec = desired.spec;
  if (std::optional<int64_t> nodes = IntField(spec, "nodes")) check.Nodes(*nodes);
  check.Drives(spec, IntField(spec, "drivesPerNode"));
  check.Console(spec);
  check.Buckets(spec);
  ReadResourceLimits(spec, errors);
  if (current != nullptr) check.Topology(spec, current->spec);
  return errors;
}

}  // namespace nxt::resources
