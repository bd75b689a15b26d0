#include "crm/store/write_queue.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

namespace crm::store {

void TakeWriteGroup(std::deque<PendingWrite>& pending, std::vector<PendingWrite>& group,
                    std::size_t max_group_size) {
  while (!pending.empty() && group.size() < max_group_size) {
    const bool alone = pending.front().grouping == WriteGrouping::kAlone;
    if (alone && !group.empty()) return;
    group.push_back(std::move(pending.front()));
    pending.pop_front();
    if (alone) return;
  }
}

Status RunWriteJob(const PendingWrite& write, Connection& conn) {
  try {
    return write.job(conn);
  } catch (const std::exception& e) {
    spdlog::error("write job threw: {}", e.what());
    return Status::Internal("internal error");
  }
}

}  // namespace crm::store
