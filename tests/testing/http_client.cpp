#include "testing/http_client.hpp"

#include <array>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "crm/common/strings.hpp"

#include <curl/curl.h>

namespace crm::testing {
namespace {

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t WriteHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    response->headers.clear();  // a new response (e.g. after 100-continue)
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    response->headers[std::string(TrimAscii(line.substr(0, colon)))] =
        std::string(TrimAscii(line.substr(colon + 1)));
  }
  return size * count;
}

}  // namespace

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return ToLowerAscii(a) < ToLowerAscii(b);
}

boost::json::value HttpResponse::Json() const {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  EXPECT_FALSE(ec) << "response body is not JSON: " << body;
  return ec ? boost::json::value() : value;
}

std::string HttpResponse::Header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(std::string base_url)
    : base_url_(std::move(base_url)), curl_(curl_easy_init()) {}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

void HttpClient::SetDefaultHeader(std::string name, std::string value) {
  default_headers_.emplace_back(std::move(name), std::move(value));
}

void HttpClient::ClearDefaultHeaders() { default_headers_.clear(); }

HttpResponse HttpClient::Request(std::string_view method, std::string_view target,
                                 std::string_view body, const Headers& headers) {
  HttpResponse response = TryRequest(method, target, body, headers);
  EXPECT_EQ(response.transport_error, "") << method << " " << base_url_ << target;
  return response;
}

HttpResponse HttpClient::TryRequest(std::string_view method, std::string_view target,
                                    std::string_view body, const Headers& headers) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);
  HttpResponse response;
  const std::string url = base_url_ + std::string(target);
  const std::string method_text(method);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_text.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  // A HEAD answer has a Content-Length but no body; curl must not wait for one.
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Expect:");
  for (const Headers* set : std::array<const Headers*, 2>{&default_headers_, &headers}) {
    for (const auto& [name, value] : *set) {
      list = curl_slist_append(list, (name + ": " + value).c_str());
    }
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    response.transport_error = curl_easy_strerror(rc);
    return response;  // status 0
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

namespace {
HttpResponse JsonRequest(HttpClient& client, std::string_view method, std::string_view target,
                         const boost::json::value& body, const Headers& headers) {
  Headers all = headers;
  all.emplace_back("Content-Type", "application/json");
  return client.Request(method, target, boost::json::serialize(body), all);
}
}  // namespace

HttpResponse HttpClient::Post(std::string_view target, const boost::json::value& body,
                              const Headers& headers) {
  return JsonRequest(*this, "POST", target, body, headers);
}
HttpResponse HttpClient::Put(std::string_view target, const boost::json::value& body,
                             const Headers& headers) {
  return JsonRequest(*this, "PUT", target, body, headers);
}
HttpResponse HttpClient::Patch(std::string_view target, const boost::json::value& body,
                               const Headers& headers) {
  return JsonRequest(*this, "PATCH", target, body, headers);
}

std::string UrlEncode(std::string_view text) {
  char* encoded = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out(encoded);
  curl_free(encoded);
  return out;
}

}  // namespace crm::testing
