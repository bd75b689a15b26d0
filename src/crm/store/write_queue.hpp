// The queue of write jobs both database backends keep for their writer thread, and the rule by
// which the writer takes a group of them for one transaction (store::Database, "group commit").
//
// Thread-safety: none of its own. Each backend guards its queue with its mutex; RunWriteJob runs on
// the writer thread.
#ifndef CRM_STORE_WRITE_QUEUE_HPP_
#define CRM_STORE_WRITE_QUEUE_HPP_

#include <cstddef>
#include <deque>
#include <vector>

#include "crm/store/database.hpp"

namespace crm::store {

struct PendingWrite {
  WriteJob job;
  WriteDone done;
  WriteGrouping grouping = WriteGrouping::kShared;
};

// Moves the next group from the front of `pending` into the empty `group`: shared jobs in order, at
// most `max_group_size` of them, up to the first job that wants a transaction of its own; or that
// job alone when it is first.
void TakeWriteGroup(std::deque<PendingWrite>& pending, std::vector<PendingWrite>& group,
                    std::size_t max_group_size);

// Runs one job on the writer's connection. An exception escaping it is logged and becomes
// kInternal, so that one broken job cannot take the writer thread down.
Status RunWriteJob(const PendingWrite& write, Connection& conn);

}  // namespace crm::store

#endif  // CRM_STORE_WRITE_QUEUE_HPP_
