// The commands of nxtctl and what they share (internal to cmd/nxtctl).
#ifndef NXT_CMD_NXTCTL_COMMANDS_H_
#define NXT_CMD_NXTCTL_COMMANDS_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cmd/nxtctl/command_line.h"
#include "cmd/nxtctl/daemon_client.h"
#include "cmd/nxtctl/nxtctl.h"
#include "resources/kind_registry.h"

namespace nxt::nxtctl {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;

struct ManifestInput {
  std::string name;  // as given on the command line; "<stdin>" for "-"
  std::string content;
};

// One run's state. Not thread-safe.
class Context {
 public:
  Context(const CommandLine& cl, std::ostream& out, std::ostream& err, const NxtctlEnv& env,
          const resources::KindRegistry& kinds);

  const CommandLine& cl() const { return cl_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  const NxtctlEnv& env() const { return env_; }
  const resources::KindRegistry& kinds() const { return kinds_; }
  absl::Time Now() const;
  std::string Namespace() const;  // -n, else "default"

  // Sends a request and decodes the JSON answer. A non-2xx answer is an error whose
  // message is ready to print ("Error from server (NotFound): ..."); `http_status`, when
  // given, receives the status even then. Unreachable daemon: the hint is added.
  absl::StatusOr<boost::json::object> Call(const std::string& method, const std::string& target,
                                           const boost::json::value* body,
                                           int* http_status = nullptr);
  // Prints a failed Call or any error as "error: ..." (unless already "Error from
  // server") and returns kExitError.
  int Fail(const absl::Status& status);

  // The kind named on the command line (any alias, any case, optional ".nxt.io").
  absl::StatusOr<const resources::KindInfo*> ResolveKind(const std::string& name) const;
  // "containerset.nxt.io/web"
  std::string ResourceRef(const std::string& kind, const std::string& name) const;

  // Reads every -f input: files, directories (manifest files, recursively, sorted) and
  // "-" (stdin). InvalidArgument when none was given or a path does not exist.
  absl::StatusOr<std::vector<ManifestInput>> ReadInputs() const;

 private:
  const CommandLine& cl_;
  std::ostream& out_;
  std::ostream& err_;
  const NxtctlEnv& env_;
  const resources::KindRegistry& kinds_;
  std::unique_ptr<DaemonClient> client_;
};

// The object of an API item with its status folded in under "status".
boost::json::object MergedObject(const boost::json::object& item);
// {"files": [{name, content}, ...]}
boost::json::object FilesBody(const std::vector<ManifestInput>& inputs);
// Member access that never throws: "" / 0 / nullptr when missing or of another type.
std::string StringAt(const boost::json::object& o, const std::string& key);
int64_t IntAt(const boost::json::object& o, const std::string& key);
const boost::json::object* ObjectAt(const boost::json::object& o, const std::string& key);
const boost::json::array* ArrayAt(const boost::json::object& o, const std::string& key);

int RunApply(Context& ctx);
int RunGet(Context& ctx);
int RunDescribe(Context& ctx);
int RunDelete(Context& ctx);
int RunDiff(Context& ctx);
int RunValidate(Context& ctx);
int RunVersion(Context& ctx);
int RunSource(Context& ctx);

}  // namespace nxt::nxtctl

#endif  // NXT_CMD_NXTCTL_COMMANDS_H_
