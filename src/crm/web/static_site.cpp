#include "crm/web/static_site.hpp"

namespace crm::web {
namespace {

// Scripts, styles and API calls come from this origin only, and no page may be framed. Swagger UI
// (/api-docs/) sets inline styles on its elements; the console sets none, so it gets no
// 'unsafe-inline' at all.
constexpr char kApiReferencePolicy[] =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'";
constexpr char kConsolePolicy[] =
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

void AddPageHeaders(std::string_view path, http::Response& response) {
  response.SetHeader("Content-Security-Policy",
                     path.starts_with("/api-docs/") ? kApiReferencePolicy : kConsolePolicy);
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
    AddPageHeaders(path, redirect);
    return responder.Send(std::move(redirect));
  }
  if (asset == nullptr) return responder.Send(not_found_());
  if (request.method() != http::Method::kGet && request.method() != http::Method::kHead) {
    http::Response refused{405, {}, ""};
    refused.SetHeader("Allow", "GET, HEAD");
    AddPageHeaders(path, refused);
    return responder.Send(std::move(refused));
  }
  http::Response response{200, {}, std::string(asset->bytes)};
  response.SetHeader("Content-Type", std::string(asset->content_type));
  response.SetHeader("Cache-Control",
                     asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  AddPageHeaders(path, response);
  responder.Send(std::move(response));
}

}  // namespace crm::web
