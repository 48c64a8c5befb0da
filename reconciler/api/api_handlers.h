// The local API's request handling, independent of any socket: a request (method,
// target, body) in, a JSON response out. See protocol.h for the routes.
#ifndef NXT_RECONCILER_API_API_HANDLERS_H_
#define NXT_RECONCILER_API_API_HANDLERS_H_

#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "reconciler/api/api_backend.h"
#include "reconciler/store.h"
#include "resources/kind_registry.h"

namespace nxt::reconciler::api {

struct ApiRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // path and query: "/v1/objects?kind=cs&namespace=default"
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
};

// Thread-safe once constructed and its planners set (Handle is const and only reads the
// store; the backend must itself be thread-safe). The store, the registry and the
// backend must outlive this object. Never throws; never returns a secret value (see
// json_redact.h). HTTP status: 200, 400 bad request or unknown kind, 404 no such object
// or route, 405, 422 invalid manifests, 500/503 from the backend's status code.
class ApiHandlers {
 public:
  struct Options {
    std::string server_version;  // "0.1.0"
  };

  ApiHandlers(const Store& store, const resources::KindRegistry& kinds, ApplyBackend& backend,
              Options options);

  // Registers the planner of `kind` (the kind's canonical name, "ContainerSet"). Call
  // before the first Handle; kinds without one show no planned actions in a diff.
  void SetPlanner(const std::string& kind, Planner planner);
  // Serves /v1/source and /v1/source/confirm (404 without one). Must outlive this
  // object; call before the first Handle.
  void SetSourceControl(SourceControl* source) { source_ = source; }

  ApiResponse Handle(const ApiRequest& request) const;

 private:
  ApiResponse Dispatch(const ApiRequest& request) const;
  ApiResponse HandleVersion() const;
  ApiResponse HandleApply(const std::string& body) const;
  ApiResponse HandleList(const std::string& query) const;
  ApiResponse HandleGet(const std::string& rest, bool describe) const;
  ApiResponse HandleDelete(const std::string& body) const;
  ApiResponse HandleDiff(const std::string& body) const;
  ApiResponse HandleSource() const;
  ApiResponse HandleSourceConfirm() const;
  // One entry of a diff answer; `desired` is null when the backend reported a key that
  // the files do not hold (no changes shown then).
  boost::json::object DiffOne(const ApplyResult& result, resources::Object* desired) const;

  const Store& store_;
  const resources::KindRegistry& kinds_;
  ApplyBackend& backend_;
  const Options options_;
  std::map<std::string, Planner> planners_;
  SourceControl* source_ = nullptr;
};

}  // namespace nxt::reconciler::api

#endif  // NXT_RECONCILER_API_API_HANDLERS_H_
