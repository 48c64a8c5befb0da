#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "cmd/nxtctl/commands.h"
#include "cmd/nxtctl/curl_daemon_client.h"
#include "reconciler/api/protocol.h"
#include "resources/manifest_reader.h"

namespace nxt::nxtctl {
namespace {

namespace fs = std::filesystem;

// Marks a message that is already in its final form (printed without "error: ").
constexpr char kFormattedPayload[] = "nxt.io/nxtctl-formatted";

absl::Status Formatted(absl::StatusCode code, const std::string& message) {
  absl::Status s(code, message);
  s.SetPayload(kFormattedPayload, absl::Cord("1"));
  return s;
}

absl::StatusCode CodeForHttp(int status) {
  switch (status) {
    case 400:
    case 413:
    case 422:
      return absl::StatusCode::kInvalidArgument;
    case 404:
      return absl::StatusCode::kNotFound;
    case 409:
      return absl::StatusCode::kFailedPrecondition;
    case 503:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

// The message of a non-2xx answer, ready to print.
std::string ErrorText(int status, const boost::json::object& body) {
  if (const boost::json::array* errors = ArrayAt(body, "errors")) {
    std::string text;
    for (const auto& e : *errors) {
      if (e.is_string()) text += std::string(e.as_string()) + "\n";
    }
    return text + "error: the manifests were refused; nothing was changed";
  }
  std::string reason = StringAt(body, "reason");
  if (reason.empty()) reason = "HTTP " + std::to_string(status);
  std::string message = StringAt(body, "error");
  return "Error from server (" + reason + "): " + message;
}

// Reads at most the manifest size limit (and one byte more, to know it is over): a huge
// file or an endless stdin is refused without being read into memory.
absl::StatusOr<std::string> ReadBounded(std::istream& in, const std::string& name) {
  const size_t limit = resources::kDefaultMaxManifestBytes;
  std::string content(limit + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  if (content.size() > limit) {
    return absl::InvalidArgumentError(name + ": file too large: over the limit of " +
                                      std::to_string(limit) + " bytes");
  }
  return content;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > resources::kDefaultMaxManifestBytes) {
    return absl::InvalidArgumentError(
        path + ": file too large: " + std::to_string(size) + " bytes, the limit is " +
        std::to_string(resources::kDefaultMaxManifestBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError("cannot read " + path);
  return ReadBounded(in, path);
}

absl::Status ReadDirectory(const std::string& dir, std::vector<ManifestInput>& out) {
  std::error_code ec;
  std::vector<std::string> paths;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) &&
        resources::IsManifestFileName(it->path().filename().string())) {
      paths.push_back(it->path().string());
    }
  }
  if (ec) return absl::InvalidArgumentError("cannot read directory " + dir + ": " + ec.message());
  if (paths.empty()) {
    return absl::InvalidArgumentError("no manifest files (*.yaml, *.yml) in " + dir);
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    absl::StatusOr<std::string> content = ReadFile(p);
    if (!content.ok()) return content.status();
    out.push_back({p, std::move(*content)});
  }
  return absl::OkStatus();
}

}  // namespace

Context::Context(const CommandLine& cl, std::ostream& out, std::ostream& err, const NxtctlEnv& env,
                 const resources::KindRegistry& kinds)
    : cl_(cl), out_(out), err_(err), env_(env), kinds_(kinds) {}

absl::Time Context::Now() const {
  return env_.clock != nullptr ? env_.clock->Now() : RealClock::Get().Now();
}

std::string Context::Namespace() const {
  return cl_.namespace_.has_value() && !cl_.namespace_->empty() ? *cl_.namespace_
                                                                : resources::kDefaultNamespace;
}

absl::StatusOr<boost::json::object> Context::Call(const std::string& method,
                                                  const std::string& target,
                                                  const boost::json::value* body,
                                                  int* http_status) {
  if (client_ == nullptr) {
    std::string socket = reconciler::api::kDefaultSocketPath;
    std::optional<std::string> from_env =
        env_.getenv ? env_.getenv("NXT_SOCKET")
                    : (std::getenv("NXT_SOCKET") != nullptr
                           ? std::optional<std::string>(std::getenv("NXT_SOCKET"))
                           : std::nullopt);
    if (cl_.socket.has_value()) {
      socket = *cl_.socket;
    } else if (from_env.has_value() && !from_env->empty()) {
      socket = *from_env;
    }
    client_ = env_.connect ? env_.connect(socket) : std::make_unique<CurlDaemonClient>(socket);
  }
  std::string request = body != nullptr ? boost::json::serialize(*body) : "";
  if (request.size() > reconciler::api::kMaxRequestBytes) {
    return absl::InvalidArgumentError(
        "request too large: " + std::to_string(request.size()) + " bytes, nxtd accepts at most " +
        std::to_string(reconciler::api::kMaxRequestBytes) + " (apply the files in several runs)");
  }
  absl::StatusOr<DaemonResponse> response = client_->Send(method, target, request);
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kUnavailable) {
      return absl::UnavailableError(std::string(response.status().message()) +
                                    " (is nxtd running? set --socket or NXT_SOCKET)");
    }
    return response.status();
  }
  if (http_status != nullptr) *http_status = response->status;
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(response->body, ec);
  if (ec || !json.is_object()) {
    return absl::InternalError("unexpected answer from nxtd (HTTP " +
                               std::to_string(response->status) + ")");
  }
  if (response->status < 200 || response->status > 299) {
    return Formatted(CodeForHttp(response->status), ErrorText(response->status, json.as_object()));
  }
  return std::move(json.as_object());
}

int Context::Fail(const absl::Status& status) {
  if (status.GetPayload(kFormattedPayload).has_value()) {
    err_ << status.message() << "\n";
  } else {
    err_ << "error: " << status.message() << "\n";
  }
  return kExitError;
}

absl::StatusOr<const resources::KindInfo*> Context::ResolveKind(const std::string& name) const {
  std::string bare = name;
  if (absl::EndsWithIgnoreCase(bare, ".nxt.io")) bare.resize(bare.size() - 7);
  const resources::KindInfo* kind = bare.empty() ? nullptr : kinds_.Find(bare);
  if (kind == nullptr) {
    return absl::InvalidArgumentError("the server doesn't have a resource type \"" + name + "\"");
  }
  return kind;
}

std::string Context::ResourceRef(const std::string& kind, const std::string& name) const {
  const resources::KindInfo* info = kinds_.Find(kind);
  std::string singular = info != nullptr ? info->singular : absl::AsciiStrToLower(kind);
  return singular + ".nxt.io/" + name;
}

absl::StatusOr<std::vector<ManifestInput>> Context::ReadInputs() const {
  if (cl_.filenames.empty()) {
    return absl::InvalidArgumentError("must specify -f FILE, -f DIR or -f - (stdin)");
  }
  std::vector<ManifestInput> inputs;
  for (const std::string& name : cl_.filenames) {
    if (name == "-") {
      std::istream& in = env_.in != nullptr ? *env_.in : std::cin;
      absl::StatusOr<std::string> content = ReadBounded(in, "<stdin>");
      if (!content.ok()) return content.status();
      inputs.push_back({"<stdin>", std::move(*content)});
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(name, ec);
    if (ec || !fs::exists(st)) {
      return absl::InvalidArgumentError("the path \"" + name + "\" does not exist");
    }
    if (fs::is_directory(st)) {
      if (absl::Status s = ReadDirectory(name, inputs); !s.ok()) return s;
      continue;
    }
    absl::StatusOr<std::string> content = ReadFile(name);
    if (!content.ok()) return content.status();
    inputs.push_back({name, std::move(*content)});
  }
  size_t total = 0;
  for (const auto& i : inputs) total += i.content.size();
  if (total > reconciler::api::kMaxRequestBytes - 64 * 1024) {
    return absl::InvalidArgumentError("manifests too large for one request (" +
                                      std::to_string(total) + " bytes)");
  }
  return inputs;
}

boost::json::object MergedObject(const boost::json::object& item) {
  boost::json::object merged;
  if (const boost::json::object* o = ObjectAt(item, "object")) merged = *o;
  if (const boost::json::object* s = ObjectAt(item, "status")) merged["status"] = *s;
  return merged;
}

boost::json::object FilesBody(const std::vector<ManifestInput>& inputs) {
  boost::json::array files;
  for (const auto& i : inputs) {
    files.push_back(boost::json::object{{"name", i.name}, {"content", i.content}});
  }
  return boost::json::object{{"files", std::move(files)}};
}

std::string StringAt(const boost::json::object& o, const std::string& key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

int64_t IntAt(const boost::json::object& o, const std::string& key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

const boost::json::object* ObjectAt(const boost::json::object& o, const std::string& key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_object() : nullptr;
}

const boost::json::array* ArrayAt(const boost::json::object& o, const std::string& key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr ? v->if_array() : nullptr;
}

}  // namespace nxt::nxtctl
