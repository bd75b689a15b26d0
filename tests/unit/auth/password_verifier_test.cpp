#include "crm/auth/password_verifier.hpp"

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm::auth {
namespace {

using ::crm::testing::StatusIs;

// A check that blocks until the test opens the gate, and says when it has started.
class GatedCheck {
 public:
  explicit GatedCheck(std::ptrdiff_t expected_starts) : started_(expected_starts) {}
  PasswordVerifier::CheckFn Fn() {
    return [this](std::string_view password, const std::string& hash) {
      started_.count_down();
      gate_.wait();
      return password == hash;
    };
  }
  void WaitUntilStarted() { started_.wait(); }
  void Open() { open_.set_value(); }

 private:
  std::latch started_;
  std::promise<void> open_;
  std::shared_future<void> gate_ = open_.get_future().share();
};

TEST(PasswordVerifier, AnswersOnItsOwnThread) {
  PasswordVerifier verifier(
      {1, 4}, [](std::string_view password, const std::string& hash) { return password == hash; });
  std::promise<std::pair<bool, std::thread::id>> answer;
  verifier.Verify("pw", "pw", [&](Result<bool> matches) {
    answer.set_value({matches.ok() && *matches, std::this_thread::get_id()});
  });
  const auto [matches, thread] = answer.get_future().get();
  EXPECT_TRUE(matches);
  EXPECT_NE(thread, std::this_thread::get_id());
}

// The bound: `threads` checks run, `queue_limit` wait, and the next is refused at once, on the
// caller's thread, while the others are still blocked.
TEST(PasswordVerifier, RefusesAtOnceWhenTheQueueIsFull) {
  GatedCheck check(1);
  PasswordVerifier verifier({1, 2}, check.Fn());
  std::vector<std::promise<Result<bool>>> answers(3);
  verifier.Verify("a", "a", [&](Result<bool> r) { answers[0].set_value(r); });
  check.WaitUntilStarted();
  verifier.Verify("b", "x", [&](Result<bool> r) { answers[1].set_value(r); });
  verifier.Verify("c", "c", [&](Result<bool> r) { answers[2].set_value(r); });

  bool refused_inline = false;
  verifier.Verify("d", "d", [&](Result<bool> r) {
    refused_inline = r.status().code() == StatusCode::kUnavailable;
  });
  EXPECT_TRUE(refused_inline);

  check.Open();
  const Result<bool> a = answers[0].get_future().get();
  const Result<bool> b = answers[1].get_future().get();
  const Result<bool> c = answers[2].get_future().get();
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(*a);
  EXPECT_FALSE(*b);
  EXPECT_TRUE(*c);
}

// crmd serve stops the checks before it destroys its HTTP server: a callback's captures (the
// session of the request) must be gone by then. A verifier thread releases them after its callback
// returns, so without Stop a session could outlive the server's event loop and crash the process as
// it exited (seen once in CI: exit status 139 after SIGTERM).
TEST(PasswordVerifier, StopReleasesEveryCallbackAndRefusesWhatWaits) {
  GatedCheck check(1);
  PasswordVerifier verifier({1, 4}, check.Fn());
  auto running_session = std::make_shared<int>(1);
  auto waiting_session = std::make_shared<int>(2);
  std::promise<Result<bool>> running;
  std::promise<Result<bool>> waiting;
  verifier.Verify("a", "a",
                  [&running, session = running_session](Result<bool> r) { running.set_value(r); });
  check.WaitUntilStarted();
  verifier.Verify("b", "b",
                  [&waiting, session = waiting_session](Result<bool> r) { waiting.set_value(r); });
  std::thread stopper([&verifier] { verifier.Stop(); });
  // The waiting check is refused by Stop; the running one finishes once the gate opens.
  EXPECT_THAT(waiting.get_future().get(), StatusIs(StatusCode::kUnavailable));
  check.Open();
  const Result<bool> ran = running.get_future().get();
  stopper.join();
  ASSERT_TRUE(ran.ok());
  EXPECT_TRUE(*ran);
  EXPECT_EQ(running_session.use_count(), 1);
  EXPECT_EQ(waiting_session.use_count(), 1);
  bool refused_inline = false;
  verifier.Verify("c", "c", [&](Result<bool> r) {
    refused_inline = r.status().code() == StatusCode::kUnavailable;
  });
  EXPECT_TRUE(refused_inline);
}

TEST(PasswordVerifier, RunsUpToThreadsChecksAtOnce) {
  GatedCheck check(2);
  PasswordVerifier verifier({2, 8}, check.Fn());
  std::promise<void> first;
  std::promise<void> second;
  verifier.Verify("a", "a", [&](Result<bool>) { first.set_value(); });
  verifier.Verify("b", "b", [&](Result<bool>) { second.set_value(); });
  // Both checks are inside the check function together; with one thread this would never return.
  check.WaitUntilStarted();
  check.Open();
  first.get_future().get();
  second.get_future().get();
}

TEST(PasswordVerifier, DestructionRefusesWhatStillWaits) {
  GatedCheck check(1);
  std::atomic<int> refused{0};
  std::promise<Result<bool>> running;
  std::thread opener;
  {
    PasswordVerifier verifier({1, 4}, check.Fn());
    verifier.Verify("a", "a", [&](Result<bool> r) { running.set_value(r); });
    check.WaitUntilStarted();
    for (int i = 0; i < 3; ++i) {
      verifier.Verify("b", "b", [&](Result<bool> r) {
        if (r.status().code() == StatusCode::kUnavailable) ++refused;
      });
    }
    // The destructor refuses the three waiting checks before it joins the running one, so the
    // gate can be opened from here only after it has started: open it from another thread.
    opener = std::thread([&] {
      while (refused.load() < 3) std::this_thread::yield();
      check.Open();
    });
  }
  opener.join();
  EXPECT_EQ(refused.load(), 3);
  const Result<bool> r = running.get_future().get();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
}

}  // namespace
}  // namespace crm::auth
