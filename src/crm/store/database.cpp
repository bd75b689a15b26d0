#include "crm/store/database.hpp"

#include <future>

namespace crm::store {

Status Database::WriteAndWait(WriteJob job) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> result = promise->get_future();
  SubmitWrite(std::move(job), [promise](Status status) { promise->set_value(std::move(status)); });
  return result.get();
}

}  // namespace crm::store
