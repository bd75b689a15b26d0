// Cancellation of the work a thread does for someone who may stop waiting for it. Whoever knows
// whether the result is still wanted (an HTTP connection: is its client still connected?) installs
// a CancellationSource on the thread for as long as the thread works for it (CancellationScope).
// Long-running code on that thread polls CurrentWorkCancelled() now and then and gives up when it
// turns true: SQLite read connections do so from their progress handler, so a list or a count whose
// client has closed the connection stops within about a millisecond instead of holding the thread
// for the rest of its scan. As in userver's current_task::ShouldCancel(), nothing is passed through
// the layers in between, and work that runs with no scope installed (writes, background jobs) is
// never cancelled.
//
// Thread-safety: scopes are per thread. A source is called only on the thread that installed it,
// while its scope lives; scopes nest, the innermost applies.
#ifndef CRM_COMMON_CANCELLATION_HPP_
#define CRM_COMMON_CANCELLATION_HPP_

namespace crm {

class CancellationSource {
 public:
  virtual ~CancellationSource() = default;
  // True once nobody waits for the work's result any more; once true it stays true. Called from
  // inside the work, so it must be cheap (a non-blocking system call at most).
  virtual bool Cancelled() = 0;
};

// Installs `source` on the calling thread until the scope ends.
class CancellationScope {
 public:
  explicit CancellationScope(CancellationSource& source);
  ~CancellationScope();
  CancellationScope(const CancellationScope&) = delete;
  CancellationScope& operator=(const CancellationScope&) = delete;

 private:
  CancellationSource* previous_;
};

// Whether the calling thread's current work has been cancelled; false when no scope is installed.
bool CurrentWorkCancelled();

}  // namespace crm

#endif  // CRM_COMMON_CANCELLATION_HPP_
