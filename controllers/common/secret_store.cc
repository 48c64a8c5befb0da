#include "controllers/common/secret_store.h"

#include <sys/random.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "reconciler/state_files.h"

namespace nxt::controllers {
namespace {

bool ValidSecretName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<std::string> RandomAlphanumeric(size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    unsigned char buf[64];
    ssize_t n = getrandom(buf, sizeof(buf), 0);
    if (n <= 0) return absl::InternalError("getrandom failed");
    for (ssize_t i = 0; i < n && out.size() < length; ++i) {
      // 248 = 62 * 4: rejecting larger bytes keeps every character equally likely.
      if (buf[i] < 248) out.push_back(kAlphabet[buf[i] % 62]);
    }
  }
  return out;
}

}  // namespace

SecretStore::SecretStore(std::string state_dir) : root_(std::move(state_dir) + "/secrets") {}

std::string SecretStore::DirOf(const resources::ObjectKey& owner) const {
  return absl::StrCat(root_, "/", owner.kind, "/", owner.namespace_, "/", owner.name);
}

absl::StatusOr<std::string> SecretStore::Get(const resources::ObjectKey& owner,
                                             const std::string& secret) const {
  if (!ValidSecretName(secret)) {
    return absl::InvalidArgumentError(absl::StrCat("bad secret name \"", secret, "\""));
  }
  absl::MutexLock lock(&mu_);
  const std::string path = absl::StrCat(DirOf(owner), "/", secret);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("secret ", secret, " of ", owner.ToString()));
  }
  return reconciler::ReadFileToString(path);
}

absl::StatusOr<std::string> SecretStore::GetOrCreate(const resources::ObjectKey& owner,
                                                     const std::string& secret, size_t length) {
  absl::StatusOr<std::string> existing = Get(owner, secret);
  if (existing.ok() || !absl::IsNotFound(existing.status())) return existing;
  absl::MutexLock lock(&mu_);
  const std::string dir = DirOf(owner);
  const std::string path = absl::StrCat(dir, "/", secret);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return reconciler::ReadFileToString(path);
  absl::StatusOr<std::string> value = RandomAlphanumeric(length);
  if (!value.ok()) return value.status();
  if (absl::Status s = reconciler::MakeDirs(dir, 0700); !s.ok()) return s;
  if (absl::Status s = reconciler::WriteFileAtomically(path, *value, 0600); !s.ok()) return s;
  return value;
}

std::string SecretStore::Version(const std::string& value) {
  return Sha256Hex(value).substr(0, 12);
}

absl::Status SecretStore::DeleteAll(const resources::ObjectKey& owner) {
  absl::MutexLock lock(&mu_);
  std::error_code ec;
  std::filesystem::remove_all(DirOf(owner), ec);
  if (ec) return absl::InternalError(absl::StrCat("remove secrets: ", ec.message()));
  return absl::OkStatus();
}

}  // namespace nxt::controllers
