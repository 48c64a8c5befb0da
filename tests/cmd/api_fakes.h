// Test doubles around the local API: an ApplyBackend that applies parsed manifests to a
// Store, and DaemonClients that answer from an in-process ApiHandlers or from nothing.
//
// FakeApplyBackend does NOT model: the manifest directory (nothing is written),
// semantic checks against the stored object, duplicates across files, rescans.
#ifndef NXT_TESTS_CMD_API_FAKES_H_
#define NXT_TESTS_CMD_API_FAKES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cmd/nxtctl/daemon_client.h"
#include "reconciler/api/api_backend.h"
#include "reconciler/api/api_handlers.h"
#include "reconciler/store.h"
#include "resources/kind_registry.h"
#include "resources/manifest_reader.h"

namespace nxt::testing {

class FakeApplyBackend : public reconciler::api::ApplyBackend {
 public:
  FakeApplyBackend(const resources::KindRegistry& kinds, reconciler::Store& store)
      : kinds_(kinds), store_(store) {}

  absl::StatusOr<reconciler::api::ApplyReply> Apply(
      const std::vector<reconciler::api::ApplyFile>& files, bool dry_run) override {
    ++apply_calls;
    if (!fail_with.ok()) return fail_with;
    reconciler::api::ApplyReply reply;
    std::vector<resources::Object> objects;
    for (const auto& f : files) {
      resources::ParseResult parsed = resources::ParseManifest(kinds_, f.name, f.content);
      for (const auto& e : parsed.AllErrors()) reply.errors.push_back(e);
      for (auto& o : parsed.objects) objects.push_back(std::move(o));
    }
    if (!reply.errors.empty()) return reply;
    for (auto& o : objects) {
      resources::ObjectKey key = o.Key();
      reconciler::ApplyOutcome outcome = dry_run ? Predict(o) : store_.Apply(std::move(o));
      reply.results.push_back({key, outcome});
    }
    return reply;
  }

  absl::StatusOr<std::vector<reconciler::api::DeleteResult>> Delete(
      const std::vector<resources::ObjectKey>& keys) override {
    if (!fail_with.ok()) return fail_with;
    std::vector<reconciler::api::DeleteResult> out;
    for (const auto& k : keys) out.push_back({k, store_.Delete(k).ok()});
    return out;
  }

  absl::Status fail_with = absl::OkStatus();
  int apply_calls = 0;

 private:
  reconciler::ApplyOutcome Predict(const resources::Object& o) const {
    resources::ObjectPtr current = store_.Get(o.Key());
    if (current == nullptr) return reconciler::ApplyOutcome::kCreated;
    bool same = current->spec == o.spec && current->metadata.labels == o.metadata.labels &&
                current->metadata.annotations == o.metadata.annotations;
    return same ? reconciler::ApplyOutcome::kUnchanged : reconciler::ApplyOutcome::kConfigured;
  }

  const resources::KindRegistry& kinds_;
  reconciler::Store& store_;
};

// Answers through ApiHandlers::Handle, as the socket server would.
class HandlersClient : public nxtctl::DaemonClient {
 public:
  explicit HandlersClient(const reconciler::api::ApiHandlers& handlers) : handlers_(handlers) {}
  absl::StatusOr<nxtctl::DaemonResponse> Send(const std::string& method, const std::string& target,
                                              const std::string& body) override {
    targets.push_back(method + " " + target);
    reconciler::api::ApiResponse r = handlers_.Handle({method, target, body});
    return nxtctl::DaemonResponse{r.status, r.body};
  }
  std::vector<std::string> targets;

 private:
  const reconciler::api::ApiHandlers& handlers_;
};

// A daemon that is not running.
class UnreachableClient : public nxtctl::DaemonClient {
 public:
  explicit UnreachableClient(std::string socket) : socket_(std::move(socket)) {}
  absl::StatusOr<nxtctl::DaemonResponse> Send(const std::string&, const std::string&,
                                              const std::string&) override {
    return absl::UnavailableError("cannot reach nxtd at " + socket_ +
                                  ": No such file or directory");
  }

 private:
  std::string socket_;
};

// A source on hold with one kept object; Confirm deletes it.
class FakeSourceControl : public reconciler::api::SourceControl {
 public:
  reconciler::api::SourceReport State() const override { return report; }
  absl::StatusOr<std::vector<resources::ObjectKey>> Confirm() override {
    ++confirms;
    std::vector<resources::ObjectKey> deleted = report.held;
    report.held.clear();
    report.held_reason.clear();
    return deleted;
  }
  reconciler::api::SourceReport report;
  int confirms = 0;
};

}  // namespace nxt::testing

#endif  // NXT_TESTS_CMD_API_FAKES_H_
