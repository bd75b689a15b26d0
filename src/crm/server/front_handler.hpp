// FrontHandler: the one http::Handler of `crmd serve`. Requests under the API base go straight to
// the API (the hot path: one prefix compare); the pages of the web layer (the API reference at
// /api-docs/) go to the static site; anything else gets the API's JSON 404.
//
// Thread-safety: immutable after construction; Handle may be called concurrently.
#ifndef CRM_SERVER_FRONT_HANDLER_HPP_
#define CRM_SERVER_FRONT_HANDLER_HPP_

#include <string>

#include "crm/http/message.hpp"
#include "crm/web/static_site.hpp"

namespace crm::server {

class FrontHandler final : public http::Handler {
 public:
  FrontHandler(std::string api_base, http::Handler& api, web::StaticSite& site)
      : api_base_(std::move(api_base)), api_(api), site_(site) {}

  void Handle(const http::Request& request, http::Responder responder) override {
    const std::string_view path = request.path();
    if (!path.starts_with(api_base_) && site_.Serves(path)) {
      return site_.Handle(request, std::move(responder));
    }
    api_.Handle(request, std::move(responder));
  }

 private:
  const std::string api_base_;
  http::Handler& api_;
  web::StaticSite& site_;
};

}  // namespace crm::server

#endif  // CRM_SERVER_FRONT_HANDLER_HPP_
