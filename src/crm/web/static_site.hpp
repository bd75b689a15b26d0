// StaticSite: the web pages crmd serves beside the API, from files embedded in the binary at
// build time (tools/embed_web_assets.cmake), so nothing is deployed beside it and nothing is
// fetched from the network: the console at / (console/, bundled by esbuild; see docs/console.md)
// and the API reference at /api-docs/: Swagger UI (swagger-ui-dist from npm, pinned in
// web/package-lock.json) rendering GET /api/v1/OpenApi.
// Answers GET and HEAD; every page gets headers that keep it from being framed or sniffed, and a
// Content-Security-Policy that allows only this origin's scripts.
//
// Thread-safety: immutable after construction; Handle may be called concurrently.
#ifndef CRM_WEB_STATIC_SITE_HPP_
#define CRM_WEB_STATIC_SITE_HPP_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "crm/http/message.hpp"

namespace crm::web {

struct Asset {
  std::string_view path;  // "/console.js"; a path ending in '/' is a directory index
  std::string_view content_type;
  std::string_view bytes;
  // Addressed with its content hash (/console.js?v=...): cached for good. Others are revalidated.
  bool immutable = false;
};

// The assets compiled into the binary (a generated file defines it).
const std::vector<Asset>& EmbeddedAssets();

class StaticSite final : public http::Handler {
 public:
  // `not_found` answers paths that are no asset (the API's JSON 404, say).
  StaticSite(const std::vector<Asset>& assets, std::function<http::Response()> not_found)
      : assets_(assets), not_found_(std::move(not_found)) {}

  // Whether `path` is the site's to answer (an asset, or a directory without its '/').
  bool Serves(std::string_view path) const;

  void Handle(const http::Request& request, http::Responder responder) override;

 private:
  const Asset* Find(std::string_view path) const;

  const std::vector<Asset>& assets_;
  const std::function<http::Response()> not_found_;
};

}  // namespace crm::web

#endif  // CRM_WEB_STATIC_SITE_HPP_
