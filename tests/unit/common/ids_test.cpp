#include "crm/common/ids.hpp"

#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace crm {
namespace {

TEST(GenerateId, Is17LowercaseHexCharacters) {
  const std::string id = GenerateId();
  ASSERT_EQ(id.size(), kIdLength);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
}

TEST(GenerateId, IsUniqueAndTimeOrderedAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kPerThread; ++i) ids[static_cast<std::size_t>(t)].push_back(GenerateId());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : ids) {
    for (std::size_t i = 1; i < list.size(); ++i) {
      // The first 13 characters are the time part: never decreasing within a thread.
      EXPECT_LT(list[i - 1].substr(0, 13), list[i].substr(0, 13));
    }
    all.insert(list.begin(), list.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(IsWellFormedId, AcceptsEspoAndUuidIdsRejectsOthers) {
  EXPECT_TRUE(IsWellFormedId("6b0c3712da46f7459"));
  EXPECT_TRUE(IsWellFormedId("doesnotexist123"));
  EXPECT_TRUE(IsWellFormedId("1"));
  EXPECT_TRUE(IsWellFormedId("0b8e1ef6-6f1a-4a53-9a33-1f1c4c0b2a11"));
  EXPECT_FALSE(IsWellFormedId(""));
  EXPECT_FALSE(IsWellFormedId("a b"));
  EXPECT_FALSE(IsWellFormedId("x'; DROP TABLE contact; --"));
  EXPECT_FALSE(IsWellFormedId(std::string(65, 'a')));
}

}  // namespace
}  // namespace crm
