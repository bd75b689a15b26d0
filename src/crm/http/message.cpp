#include "crm/http/message.hpp"

namespace crm::http {

Responder::~Responder() {
  if (sink_) sink_->Abandon();
}

void Responder::Send(Response response) {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink->Deliver(std::move(response));
}

void Responder::SendBuilt(std::function<Response()> build) {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink->DeliverBuilt(std::move(build));
}

}  // namespace crm::http
