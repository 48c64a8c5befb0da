// The reconciler contract, as in controller-runtime's pkg/reconcile.
//
// Reconcile receives only the key; it reads the desired object from the Store (absent
// or carrying a deletion_timestamp means: tear down) and observed state from its own
// sources, acts, writes status, and returns:
//   - Result{}                       done; the key is Forgotten (backoff reset)
//   - Result{.requeue_after = d}     run again after d (backoff reset)
//   - Result{.requeue = true}        run again with per-key backoff
//   - a non-OK status                logged, counted, retried with per-key backoff
//   - TerminalError(status)          logged, counted as terminal, not retried until the
//                                    key is added again (a new event or spec change)
// InvalidArgument is always terminal: a bad manifest never gets better by retrying.
#ifndef NXT_RECONCILER_RECONCILER_H_
#define NXT_RECONCILER_RECONCILER_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "resources/object.h"

namespace nxt::reconciler {

struct Request {
  resources::ObjectKey key;
};

struct Result {
  bool requeue = false;
  absl::Duration requeue_after = absl::ZeroDuration();
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // Called from worker threads; never concurrently for the same key.
  virtual absl::StatusOr<Result> Reconcile(const Request& request) = 0;
};

// Marks `status` terminal (a payload on the status; the code and message are kept).
absl::Status TerminalError(absl::Status status);
bool IsTerminal(const absl::Status& status);

}  // namespace nxt::reconciler

#endif  // NXT_RECONCILER_RECONCILER_H_
