// Helpers for tests of the write queue (store::Database): SubmitForResult, which queues a job and
// gives its result as a future, and WriterHold, which keeps the writer thread busy in a job of its
// own until Release(), so that the jobs a test submits meanwhile are all queued when the writer
// takes its next group.
//
// Thread-safety: one test thread; the held job runs on the writer thread and waits for Release().
#ifndef CRM_TESTING_WRITER_HOLD_HPP_
#define CRM_TESTING_WRITER_HOLD_HPP_

#include <future>
#include <memory>
#include <utility>

#include "crm/store/database.hpp"

namespace crm::testing {

inline std::future<Status> SubmitForResult(
    store::Database& db, store::WriteJob job,
    store::WriteGrouping grouping = store::WriteGrouping::kShared) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> result = promise->get_future();
  db.SubmitWrite(
      std::move(job), [promise](Status status) { promise->set_value(std::move(status)); },
      grouping);
  return result;
}

class WriterHold {
 public:
  // Returns once the held job runs on the writer.
  explicit WriterHold(store::Database& db) {
    auto holding = std::make_shared<std::promise<void>>();
    std::future<void> held = holding->get_future();
    done_ = SubmitForResult(
        db, [holding, released = release_.get_future().share()](store::Connection&) -> Status {
          holding->set_value();
          released.wait();
          return {};
        });
    held.wait();
  }

  // A test that stops early still lets the writer go on.
  ~WriterHold() {
    if (!released_) (void)Release();
  }

  WriterHold(const WriterHold&) = delete;
  WriterHold& operator=(const WriterHold&) = delete;

  // Lets the held job end and returns its status once its group is done.
  Status Release() {
    released_ = true;
    release_.set_value();
    return done_.get();
  }

 private:
  std::promise<void> release_;
  std::future<Status> done_;
  bool released_ = false;
};

}  // namespace crm::testing

#endif  // CRM_TESTING_WRITER_HOLD_HPP_
