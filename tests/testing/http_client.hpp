// HttpClient: a small blocking HTTP/1.1 client for API tests (libcurl underneath), keeping one
// keep-alive connection. Responses expose status, headers (case-insensitive names) and body.
//
// Thread-safety: one client per thread.
#ifndef CRM_TESTING_HTTP_CLIENT_HPP_
#define CRM_TESTING_HTTP_CLIENT_HPP_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace crm::testing {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  // Why no answer came (connection refused or reset, timeout); empty when one did.
  std::string transport_error;

  // The body parsed as JSON; a test failure (and null) when it is not JSON.
  boost::json::value Json() const;
  std::string Header(const std::string& name) const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Headers sent with every request (e.g. X-Api-Key); later values for the same name win.
  void SetDefaultHeader(std::string name, std::string value);
  void ClearDefaultHeaders();

  // `target` is appended to the base URL verbatim (path and query, already encoded).
  HttpResponse Request(std::string_view method, std::string_view target, std::string_view body = {},
                       const Headers& headers = {});
  // As Request, but a request that gets no answer is not a test failure: its status is 0 and
  // transport_error says why (for tests that kill the server under load).
  HttpResponse TryRequest(std::string_view method, std::string_view target,
                          std::string_view body = {}, const Headers& headers = {});
  HttpResponse Get(std::string_view target, const Headers& headers = {}) {
    return Request("GET", target, {}, headers);
  }
  // JSON body requests set Content-Type: application/json.
  HttpResponse Post(std::string_view target, const boost::json::value& body,
                    const Headers& headers = {});
  HttpResponse Put(std::string_view target, const boost::json::value& body,
                   const Headers& headers = {});
  HttpResponse Patch(std::string_view target, const boost::json::value& body,
                     const Headers& headers = {});
  HttpResponse Delete(std::string_view target, const Headers& headers = {}) {
    return Request("DELETE", target, {}, headers);
  }

 private:
  std::string base_url_;
  Headers default_headers_;
  void* curl_;
};

// Percent-encodes a query parameter value.
std::string UrlEncode(std::string_view text);

}  // namespace crm::testing

#endif  // CRM_TESTING_HTTP_CLIENT_HPP_
