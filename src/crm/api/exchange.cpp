#include "crm/api/exchange.hpp"

#include "crm/api/http_status.hpp"
#include "crm/api/route_table.hpp"

namespace crm::api {

std::string_view Exchange::Param(std::string_view name) const {
  if (route_ == nullptr) return {};
  for (std::size_t i = 0; i < route_->segments.size(); ++i) {
    if (route_->segments[i].kind != Route::Segment::Kind::kLiteral &&
        route_->segments[i].text == name) {
      return segments_[i];
    }
  }
  return {};
}

void Exchange::AddExtraHeaders(http::Response& response) {
  for (auto& header : extra_headers_) response.headers.push_back(std::move(header));
  extra_headers_.clear();
}

void Exchange::Reply(http::Response response) {
  AddExtraHeaders(response);
  responder_.Send(std::move(response));
}

void Exchange::ReplyBuilt(std::function<http::Response()> build) {
  responder_.SendBuilt([build = std::move(build), headers = std::move(extra_headers_)]() mutable {
    http::Response response = build();
    for (auto& header : headers) response.headers.push_back(std::move(header));
    return response;
  });
}

void Exchange::Fail(const Status& status) { Reply(ErrorResponse(status)); }

void Exchange::ReplyStream(http::Response head, http::BodySource source) {
  AddExtraHeaders(head);
  responder_.SendStream(std::move(head), std::move(source));
}

}  // namespace crm::api
