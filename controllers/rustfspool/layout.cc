#include "controllers/rustfspool/layout.h"

#include <boost/json.hpp>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "reconciler/state_files.h"

namespace nxt::rustfspool {
namespace {

// "<prefix>{0...<n-1>}" (or "<prefix>0" for one).
std::string Range(const std::string& prefix, int n) {
  return n == 1 ? absl::StrCat(prefix, 0) : absl::StrCat(prefix, "{0...", n - 1, "}");
}

std::string Storage(const std::string& host_path) {
  return host_path.empty() ? std::string("named volumes") : absl::StrCat("host path ", host_path);
}

int IntMember(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? static_cast<int>(v->get_int64()) : -1;
}

absl::StatusOr<std::vector<std::string>> StringList(const boost::json::object& o, const char* key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(key, " is missing"));
  }
  std::vector<std::string> out;
  for (const boost::json::value& e : v->get_array()) {
    if (!e.is_string()) return absl::InvalidArgumentError(absl::StrCat(key, ": not strings"));
    out.emplace_back(e.get_string());
  }
  return out;
}

}  // namespace

bool PoolLayout::SameTopology(const PoolLayout& other) const {
  return nodes == other.nodes && drives_per_node == other.drives_per_node &&
         drive_host_paths == other.drive_host_paths && volumes == other.volumes &&
         endpoints == other.endpoints;
}

std::string DrivePath(int drive) { return absl::StrCat("/data", drive); }

PoolLayout LayoutFor(const resources::ObjectKey& key, const resources::RustFSPoolSpec& spec) {
  PoolLayout out;
  out.nodes = spec.nodes;
  out.drives_per_node = spec.drives_per_node;
  out.drive_host_paths = spec.drive_host_paths;
  out.drive_host_paths.resize(static_cast<size_t>(spec.drives_per_node));
  const std::string drives = Range("/data", spec.drives_per_node);
  if (spec.nodes == 1) {
    out.volumes = drives;
    for (int d = 0; d < spec.drives_per_node; ++d) out.endpoints.push_back(DrivePath(d));
    return out;
  }
  out.volumes = absl::StrCat("http://", Range(key.name + "-", spec.nodes), ":",
                             resources::kRustFSApiPort, drives);
  for (int i = 0; i < spec.nodes; ++i) {
    for (int d = 0; d < spec.drives_per_node; ++d) {
      out.endpoints.push_back(
          absl::StrCat("http://", key.name, "-", i, ":", resources::kRustFSApiPort, DrivePath(d)));
    }
  }
  return out;
}

std::vector<std::string> TopologyChanges(const PoolLayout& recorded,
                                         const resources::RustFSPoolSpec& spec) {
  std::vector<std::string> out;
  if (spec.nodes != recorded.nodes) {
    out.push_back(absl::StrCat("spec.nodes: the pool was laid out with ", recorded.nodes,
                               " nodes, the spec asks for ", spec.nodes));
  }
  if (spec.drives_per_node != recorded.drives_per_node) {
    out.push_back(absl::StrCat("spec.drivesPerNode: the pool was laid out with ",
                               recorded.drives_per_node, " drives per node, the spec asks for ",
                               spec.drives_per_node));
    return out;
  }
  for (size_t d = 0; d < recorded.drive_host_paths.size() && d < spec.drive_host_paths.size();
       ++d) {
    if (recorded.drive_host_paths[d] == spec.drive_host_paths[d]) continue;
    out.push_back(absl::StrCat("spec.drives[", d, "]: drive ", d, " was laid out on ",
                               Storage(recorded.drive_host_paths[d]), ", the spec asks for ",
                               Storage(spec.drive_host_paths[d])));
  }
  return out;
}

std::string LayoutToJson(const PoolLayout& layout) {
  boost::json::array host_paths(layout.drive_host_paths.begin(), layout.drive_host_paths.end());
  boost::json::array endpoints(layout.endpoints.begin(), layout.endpoints.end());
  boost::json::object o{{"nodes", layout.nodes},
                        {"drivesPerNode", layout.drives_per_node},
                        {"driveHostPaths", std::move(host_paths)},
                        {"volumes", layout.volumes},
                        {"endpoints", std::move(endpoints)},
                        {"recordedAt", resources::FormatTimestamp(layout.recorded_at)}};
  return boost::json::serialize(o) + "\n";
}

absl::StatusOr<PoolLayout> LayoutFromJson(const std::string& json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return absl::InvalidArgumentError("not a JSON object");
  const boost::json::object& o = v.get_object();
  PoolLayout out;
  out.nodes = IntMember(o, "nodes");
  out.drives_per_node = IntMember(o, "drivesPerNode");
  NXT_ASSIGN_OR_RETURN(out.drive_host_paths, StringList(o, "driveHostPaths"));
  NXT_ASSIGN_OR_RETURN(out.endpoints, StringList(o, "endpoints"));
  const boost::json::value* volumes = o.if_contains("volumes");
  if (volumes == nullptr || !volumes->is_string() || out.nodes < 1 || out.drives_per_node < 1 ||
      static_cast<int>(out.drive_host_paths.size()) != out.drives_per_node ||
      static_cast<int>(out.endpoints.size()) != out.nodes * out.drives_per_node) {
    return absl::InvalidArgumentError(
        "nodes, drivesPerNode, driveHostPaths, volumes and "
        "endpoints do not describe one pool");
  }
  out.volumes = std::string(volumes->get_string());
  if (const boost::json::value* at = o.if_contains("recordedAt");
      at != nullptr && at->is_string()) {
    out.recorded_at = resources::ParseTimestamp(std::string(at->get_string()));
  }
  return out;
}

LayoutStore::LayoutStore(std::string state_dir) : state_dir_(std::move(state_dir)) {}

std::string LayoutStore::PathOf(const resources::ObjectKey& key) const {
  return absl::StrCat(state_dir_, "/rustfs/", key.namespace_, "/", key.name, "/layout.json");
}

absl::StatusOr<std::optional<PoolLayout>> LayoutStore::Load(const resources::ObjectKey& key) const {
  const std::string path = PathOf(key);
  absl::StatusOr<std::string> text = reconciler::ReadFileToString(path);
  if (absl::IsNotFound(text.status())) return std::optional<PoolLayout>();
  if (!text.ok()) return Annotate(text.status(), "read layout record");
  absl::StatusOr<PoolLayout> layout = LayoutFromJson(*text);
  if (!layout.ok()) {
    return absl::InternalError(absl::StrCat("layout record ", path, " is damaged (",
                                            std::string(layout.status().message()),
                                            "); fix or restore it, nxt will not guess a layout"));
  }
  return std::optional<PoolLayout>(*std::move(layout));
}

absl::Status LayoutStore::Save(const resources::ObjectKey& key, const PoolLayout& layout) {
  const std::string path = PathOf(key);
  NXT_RETURN_IF_ERROR(
      reconciler::MakeDirs(std::filesystem::path(path).parent_path().string(), 0700));
  return Annotate(reconciler::WriteFileAtomically(path, LayoutToJson(layout), 0600),
                  "write layout record");
}

absl::Status LayoutStore::Delete(const resources::ObjectKey& key) {
  std::error_code ec;
  std::filesystem::remove(PathOf(key), ec);
  if (ec) return absl::InternalError(absl::StrCat("remove ", PathOf(key), ": ", ec.message()));
  std::filesystem::remove(std::filesystem::path(PathOf(key)).parent_path(), ec);  // if empty
  return absl::OkStatus();
}

}  // namespace nxt::rustfspool
