#include "crm/http/message.hpp"

namespace crm::http {

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

void internal::ResponseSink::DeliverStream(Response head, BodySource source) {
  std::string piece;
  for (;;) {
    auto more = source(piece);
    if (!more.ok()) {
      Abandon();
      return;
    }
    if (!*more) break;
    head.body += piece;
  }
  Deliver(std::move(head));
}

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

void Responder::SendStream(Response head, BodySource source) {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink->DeliverStream(std::move(head), std::move(source));
}

}  // namespace crm::http
