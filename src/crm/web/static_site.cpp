#include "crm/web/static_site.hpp"

namespace crm::web {
namespace {

void AddPageHeaders(http::Response& response) {
  // Swagger UI sets inline styles on its elements; scripts come from this origin only.
  response.SetHeader("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                     "frame-ancestors 'none'");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("X-Frame-Options", "DENY");
  response.SetHeader("Referrer-Policy", "no-referrer");
}

}  // namespace

const Asset* StaticSite::Find(std::string_view path) const {
  for (const Asset& asset : assets_) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

bool StaticSite::Serves(std::string_view path) const {
  return Find(path) != nullptr || Find(std::string(path) + "/") != nullptr;
}

void StaticSite::Handle(const http::Request& request, http::Responder responder) {
  const std::string_view path = request.path();
  const Asset* asset = Find(path);
  if (asset == nullptr && Find(std::string(path) + "/") != nullptr) {
    http::Response redirect{301, {}, ""};
    redirect.SetHeader("Location", std::string(path) + "/");
    AddPageHeaders(redirect);
    return responder.Send(std::move(redirect));
  }
  if (asset == nullptr) return responder.Send(not_found_());
  if (request.method() != http::Method::kGet && request.method() != http::Method::kHead) {
    http::Response refused{405, {}, ""};
    refused.SetHeader("Allow", "GET, HEAD");
    AddPageHeaders(refused);
    return responder.Send(std::move(refused));
  }
  http::Response response{200, {}, std::string(asset->bytes)};
  response.SetHeader("Content-Type", std::string(asset->content_type));
  response.SetHeader("Cache-Control", "no-cache");
  AddPageHeaders(response);
  responder.Send(std::move(response));
}

}  // namespace crm::web
