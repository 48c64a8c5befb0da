// Secrets a kind needs (passwords, keys): generated once from the OS CSPRNG, kept under
// the state directory forever (files 0600 in directories 0700), reused on every
// reconcile, restart and re-apply. Values never go to logs, metrics, status or argv;
// controllers hand them to containers as files (DockerClient::PutFile) or through exec
// stdin, and put only Version() into config hashes.
#ifndef NXT_CONTROLLERS_COMMON_SECRET_STORE_H_
#define NXT_CONTROLLERS_COMMON_SECRET_STORE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "resources/object.h"

namespace nxt::controllers {

// Thread-safe. Layout: <state_dir>/secrets/<kind>/<namespace>/<name>/<secret>.
class SecretStore {
 public:
  explicit SecretStore(std::string state_dir);

  // The secret `secret` of `owner`, created on first use as `length` characters from
  // [A-Za-z0-9] (safe in every config format and shell). `secret` is a file name:
  // [a-z0-9-]+. InvalidArgument on a bad name, Internal on I/O errors.
  absl::StatusOr<std::string> GetOrCreate(const resources::ObjectKey& owner,
                                          const std::string& secret, size_t length = 32);
  // NotFound when it was never created.
  absl::StatusOr<std::string> Get(const resources::ObjectKey& owner,
                                  const std::string& secret) const;
  // A short, non-reversible fingerprint (12 hex digits of SHA-256) for config hashes.
  static std::string Version(const std::string& value);
  // Removes every secret of `owner` (only for deletionPolicy: Delete on deletion).
  absl::Status DeleteAll(const resources::ObjectKey& owner);

 private:
  std::string DirOf(const resources::ObjectKey& owner) const;

  const std::string root_;
  mutable absl::Mutex mu_;
};

}  // namespace nxt::controllers

#endif  // NXT_CONTROLLERS_COMMON_SECRET_STORE_H_
