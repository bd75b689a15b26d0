// The differential test against real EspoCRM (issue 9 part 5). tests/captures/ holds the requests
// a client sent to EspoCRM 9 and the answers it got, byte for byte. Each capture's request is
// replayed, in order, against one fresh crmd with the same bytes except for ids and credentials:
// ids that EspoCRM handed out map to the ids crmd handed out for the same request, the capture
// instance's admin password and API users' keys map to the test server's, and HMAC signatures
// that were valid are signed again with crmd's secret (an invalid one stays invalid). crmd's answer
// must then match the captured one in status, Content-Type, JSON kind, the set of attributes (of
// the record, or of each list row), each attribute's JSON type, and the list total.
//
// A difference fails the test unless kDeviations lists it for that capture with its reason (a row
// of ../shared/docs/contract.md, or a feature not built yet and the issue that builds it); a listed
// deviation that no longer happens fails as well, so the table can only shrink. Captures that
// depend on what crmd does not have at all are in kNotReplayed, with the reason.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <gtest/gtest.h>

#include "crm/auth/crypto.hpp"
#include "crm/common/json.hpp"

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// The capture instance's admin password (its Basic and Espo-Authorization headers carry it).
constexpr std::string_view kCapturedAdminPassword = "AdminPass123!";

// A difference crmd is allowed to have with EspoCRM in some captures.
struct Deviation {
  std::vector<std::string_view> captures;  // capture numbers ("09")
  std::string_view difference;             // as Compare() names it
  std::string_view reason;
};

// Why crmd differs. "contract" reasons are rows of ../shared/docs/contract.md; "not built" ones
// name the feature and the issue that builds it.
constexpr std::string_view kErrorBody =
    "contract 'errors': every error has the seed body {error: {status, message, description}} as "
    "application/json beside X-Status-Reason; EspoCRM's error body is empty";
constexpr std::string_view kBadJson400 =
    "contract 'errors' (and the seed): a body that is not JSON is a 400; EspoCRM answers 500";
constexpr std::string_view kMaxSize400 =
    "contract 'maxSize': above 200 is a 400 with a clear reason; EspoCRM answers 403";
constexpr std::string_view kValidationBody =
    "contract 'errors': a validation failure has the seed's error object beside EspoCRM's "
    "messageTranslation";
constexpr std::string_view kDuplicateBody =
    "contract 'errors': a 409 duplicate is the seed's error object with the records under "
    "'duplicates'; EspoCRM's body is the bare array of records";
constexpr std::string_view kMassAnswer =
    "contract 'bulk update': crmd answers {count, ids} whether the records were named by ids or "
    "by where; EspoCRM leaves ids out for a where";
constexpr std::string_view kWebhookConfig =
    "contract 'webhooks: config/payload/signature': crmd's webhooks have custom headers, a payload "
    "format, skipOwn, a Standard Webhooks secret and their owner, which EspoCRM's have not";
constexpr std::string_view kWebhookEvent400 =
    "not in contract.md (issue 11 chose it): an unsupported webhook event is a 400 like every "
    "invalid body; EspoCRM answers 403";
constexpr std::string_view kCreateIsFullRecord =
    "not in contract.md (record_shape_test holds it): crmd answers a create with the full record, "
    "as a GET by id; EspoCRM leaves the attributes it did not set out of a create response";
constexpr std::string_view kRelatedColumns =
    "relation routes (the lead's relation_service): a related list always carries the relation "
    "columns; EspoCRM only when selected";
constexpr std::string_view kKeysAtRest =
    "issue 12.5: crmd keeps API keys as hashes and HMAC secrets sealed, shown once at create, so "
    "a read cannot return them";
constexpr std::string_view kCreateFlags =
    "not in contract.md: EspoCRM's create response has false email/phone opt-out and invalid "
    "flags and a false accountIsInactive even without an address, number or account, and its "
    "reads have null; crmd answers a create with what a read gives";
constexpr std::string_view kStreamUpdatedAt =
    "not built: stream (metadata notBuilt: \"stream\"); EspoCRM sets streamUpdatedAt to the "
    "creation time, crmd has no stream and serves null";
constexpr std::string_view kUserPreferences =
    "not built: two-factor authentication and team roles of users (issue 9 part 3)";
constexpr std::string_view kCreateOnlyFlags =
    "not built: target lists (issue 9 part 3); EspoCRM sets targetListIsOptedOut and "
    "contactIsInactive in its create hooks only, so they appear on create and not on read";
constexpr std::string_view kConvertNames =
    "lead convert (the lead's lead_converter): crmd's answer resolves the created records' names; "
    "EspoCRM's leaves them null until the next read";
constexpr std::string_view kTitle =
    "EspoCRM reads a contact's title from its role on the primary account (null without one); "
    "crmd keeps the title as written";

// Differences are named "status", "content-type", "kind", "error body", "total", "rows",
// "missing <attribute>", "extra <attribute>" and "type <attribute>" (in a list: of any row).
const std::vector<Deviation>& Deviations() {
  static const std::vector<Deviation> deviations = {
      {{"14", "17", "27", "29", "32", "39", "51", "52", "53", "56", "57", "59", "60", "66"},
       "error body",
       kErrorBody},
      {{"14"}, "status", kBadJson400},
      {{"27"}, "status", kMaxSize400},
      {{"12", "15", "67", "68", "72"}, "type accountIsInactive", kCreateFlags},
      {{"42"}, "type createdAccountName", kConvertNames},
      {{"42"}, "type createdContactName", kConvertNames},
      {{"42"}, "type createdOpportunityName", kConvertNames},
      {{"02", "03", "10", "50", "68", "72"}, "type emailAddressIsInvalid", kCreateFlags},
      {{"02", "03", "10", "50", "68", "72"}, "type emailAddressIsOptedOut", kCreateFlags},
      {{"02", "03", "10", "12", "40", "50", "67", "68", "72"},
       "type phoneNumberIsInvalid",
       kCreateFlags},
      {{"02", "03", "10", "12", "40", "50", "67", "68", "72"},
       "type phoneNumberIsOptedOut",
       kCreateFlags},
      {{"12", "15", "67", "68", "72"}, "extra accountId", kCreateIsFullRecord},
      {{"11", "12", "15", "67", "68", "72"}, "extra accountType", kCreateIsFullRecord},
      {{"12", "15", "40", "67", "68", "72"}, "extra addressCity", kCreateIsFullRecord},
      {{"11", "12", "15", "40", "67", "68", "72"}, "extra addressCountry", kCreateIsFullRecord},
      {{"11", "12", "15", "40", "67", "68", "72"}, "extra addressPostalCode", kCreateIsFullRecord},
      {{"11", "12", "15", "40", "67", "68", "72"}, "extra addressState", kCreateIsFullRecord},
      {{"11", "12", "15", "40", "67", "68", "72"}, "extra addressStreet", kCreateIsFullRecord},
      {{"08", "10", "11", "12", "15", "40", "50", "67", "68", "72"},
       "extra assignedUserId",
       kCreateIsFullRecord},
      {{"02", "03"}, "extra avatarColor", kCreateIsFullRecord},
      {{"10", "50"}, "extra billingAddressCity", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra billingAddressCountry", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra billingAddressPostalCode", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra billingAddressState", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra billingAddressStreet", kCreateIsFullRecord},
      {{"08", "10", "11", "12", "15", "40", "50", "67", "68", "72"},
       "extra campaignId",
       kCreateIsFullRecord},
      {{"02", "03"}, "extra contactId", kCreateIsFullRecord},
      {{"40"}, "extra convertedAt", kCreateIsFullRecord},
      {{"40"}, "extra createdAccountId", kCreateIsFullRecord},
      {{"40"}, "extra createdContactId", kCreateIsFullRecord},
      {{"40"}, "extra createdOpportunityId", kCreateIsFullRecord},
      {{"02", "03"}, "extra dashboardTemplateId", kCreateIsFullRecord},
      {{"02", "03"}, "extra defaultTeamId", kCreateIsFullRecord},
      {{"08", "10", "12", "15", "40", "50", "61", "62", "63", "64", "67", "68", "72"},
       "extra description",
       kCreateIsFullRecord},
      {{"02", "03", "10", "50", "68", "72"}, "extra emailAddress", kCreateIsFullRecord},
      {{"02", "03"}, "extra firstName", kCreateIsFullRecord},
      {{"02", "03"}, "extra gender", kCreateIsFullRecord},
      {{"10", "40", "50"}, "extra industry", kCreateIsFullRecord},
      {{"02", "03"}, "extra layoutSetId", kCreateIsFullRecord},
      {{"02", "03", "11", "12", "15", "40", "67", "68", "72"},
       "extra middleName",
       kCreateIsFullRecord},
      {{"08", "10", "11", "12", "15", "40", "50", "61", "62", "63", "64", "67", "68", "72"},
       "extra modifiedById",
       kCreateIsFullRecord},
      {{"40"}, "extra opportunityAmount", kCreateIsFullRecord},
      {{"40"}, "extra opportunityAmountConverted", kCreateIsFullRecord},
      {{"40"}, "extra opportunityAmountCurrency", kCreateIsFullRecord},
      {{"08", "10", "11", "12", "15", "50", "67", "68", "72"},
       "extra originalLeadId",
       kCreateIsFullRecord},
      {{"08", "10", "11", "12", "15", "50", "67", "68", "72"},
       "extra originalLeadName",
       kCreateIsFullRecord},
      {{"02", "03", "10", "12", "40", "50", "67", "68", "72"},
       "extra phoneNumber",
       kCreateIsFullRecord},
      {{"11", "12", "15", "67", "68", "72"}, "extra portalUserId", kCreateIsFullRecord},
      {{"11", "12", "15", "67", "68", "72"}, "extra portalUserName", kCreateIsFullRecord},
      {{"02", "03", "12", "15", "40", "67", "68", "72"},
       "extra salutationName",
       kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra shippingAddressCity", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra shippingAddressCountry", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra shippingAddressPostalCode", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra shippingAddressState", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra shippingAddressStreet", kCreateIsFullRecord},
      {{"08", "10", "50"}, "extra sicCode", kCreateIsFullRecord},
      {{"02", "03", "12", "15", "40", "68"}, "extra title", kCreateIsFullRecord},
      {{"10", "50"}, "extra type", kCreateIsFullRecord},
      {{"10", "40", "50"}, "extra website", kCreateIsFullRecord},
      {{"02", "03"}, "extra workingTimeCalendarId", kCreateIsFullRecord},
      {{"08", "10", "50"}, "missing contactIsInactive", kCreateOnlyFlags},
      {{"02", "03", "08", "10", "11", "12", "15", "40", "50", "67", "68", "72"},
       "missing targetListIsOptedOut",
       kCreateOnlyFlags},
      {{"09"}, "kind", kDuplicateBody},
      {{"04", "06", "07"}, "missing apiKey", kKeysAtRest},
      {{"04", "07"}, "missing secretKey", kKeysAtRest},
      {{"46"}, "extra ids", kMassAnswer},
      {{"36", "38"}, "extra accountRole", kRelatedColumns},
      {{"08", "10", "11", "12", "15", "16", "18", "26", "30", "31", "40", "42", "43",
        "44", "47", "48", "50", "54", "55", "67", "68", "69", "70", "72", "73"},
       "type streamUpdatedAt",
       kStreamUpdatedAt},
      {{"70"}, "type title", kTitle},
      {{"04", "06", "07"}, "missing auth2FA", kUserPreferences},
      {{"02", "03", "04", "06", "07"}, "missing teamsColumns", kUserPreferences},
      {{"13"}, "extra error", kValidationBody},
      {{"61", "62", "63", "64"}, "extra format", kWebhookConfig},
      {{"61", "62", "63", "64"}, "extra headers", kWebhookConfig},
      {{"61", "62", "63", "64"}, "extra skipOwn", kWebhookConfig},
      {{"61", "62", "63", "64"}, "extra standardWebhooksSecret", kWebhookConfig},
      {{"61", "62", "63", "64"}, "extra userId", kWebhookConfig},
      {{"61", "62", "63", "64"}, "extra userName", kWebhookConfig},
      {{"66"}, "status", kWebhookEvent400},
  };
  return deviations;
}

// Captures not replayed: their requests need what crmd does not have.
const std::map<std::string, std::string_view>& NotReplayed() {
  static const std::map<std::string, std::string_view> not_replayed = {};
  return not_replayed;
}

struct Capture {
  std::string name;          // file name without ".txt"
  std::string request_head;  // request line and headers, up to and including the blank line
  std::string request_body;
  int status = 0;
  std::string content_type;  // "" when the answer had none
  std::string body;          // de-chunked
};

std::filesystem::path CaptureDir() {
  return std::filesystem::path(testing::SourceDir()) / "tests" / "captures";
}

std::vector<std::string> CaptureNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(CaptureDir())) {
    const std::string file = entry.path().filename().string();
    if (file.size() > 3 && std::isdigit(static_cast<unsigned char>(file[0])) &&
        entry.path().extension() == ".txt") {
      names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Number(const std::string& name) { return name.substr(0, 2); }

// The value of header `name` in an HTTP head (case-insensitive), or "".
std::string HeaderOf(std::string_view head, std::string_view name) {
  std::size_t line = head.find("\r\n");
  while (line != std::string_view::npos && line + 2 < head.size()) {
    const std::size_t start = line + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view text = head.substr(start, end - start);
    const std::size_t colon = text.find(':');
    if (colon == name.size() &&
        std::equal(name.begin(), name.end(), text.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      std::string_view value = text.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return std::string(value);
    }
    line = end;
  }
  return {};
}

Capture ReadCapture(const std::string& name) {
  std::ifstream in(CaptureDir() / (name + ".txt"), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  Capture capture;
  capture.name = name;
  const auto after = [&](std::string_view marker) {
    const std::size_t at = all.find(marker);
    return at == std::string::npos ? std::string::npos : at + marker.size();
  };
  const std::size_t request = after("### REQUEST (exact bytes sent)\n");
  const std::size_t response = after("### RESPONSE (exact bytes received)\n");
  const std::size_t body = after("### RESPONSE BODY (de-chunked)\n");
  if (request == std::string::npos || response == std::string::npos || body == std::string::npos) {
    ADD_FAILURE() << name << " is not a capture";
    return capture;
  }
  const std::size_t head_end = all.find("\r\n\r\n", request);
  capture.request_head = all.substr(request, head_end + 4 - request);
  const std::string length = HeaderOf(capture.request_head, "Content-Length");
  if (!length.empty()) capture.request_body = all.substr(head_end + 4, std::stoul(length));
  const std::size_t response_head_end = all.find("\r\n\r\n", response);
  const std::string response_head = all.substr(response, response_head_end + 4 - response);
  capture.status = std::stoi(response_head.substr(response_head.find(' ') + 1, 3));
  capture.content_type = HeaderOf(response_head, "Content-Type");
  capture.body = all.substr(body);
  while (!capture.body.empty() && capture.body.back() == '\n') capture.body.pop_back();
  return capture;
}

struct Answer {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Sends `bytes` as they are on a new connection and reads one response.
Answer Send(int port, const std::string& bytes) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  asio::write(socket, asio::buffer(bytes));
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  beast::http::read(socket, buffer, parser);
  const auto& response = parser.get();
  return {static_cast<int>(response.result_int()),
          std::string(response[beast::http::field::content_type]), response.body()};
}

void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string KindOf(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "?";
}

// The attribute and type differences of one record (crmd's `ours` against EspoCRM's `theirs`).
void CompareRecord(const json::object& theirs, const json::object& ours,
                   std::set<std::string>& differences) {
  for (const auto& [key, value] : theirs) {
    const auto* mine = ours.if_contains(key);
    if (mine == nullptr) {
      differences.insert("missing " + std::string(key));
    } else if (KindOf(value) != KindOf(*mine)) {
      differences.insert("type " + std::string(key));
    }
  }
  for (const auto& [key, value] : ours) {
    if (!theirs.contains(key)) differences.insert("extra " + std::string(key));
  }
}

std::set<std::string> Compare(const Capture& capture, const Answer& answer) {
  std::set<std::string> differences;
  if (answer.status != capture.status) differences.insert("status");
  if (capture.body.empty() && capture.status >= 400) {
    // EspoCRM's errors have no body; crmd's carry the seed's error object.
    const auto parsed = crm::ParseJson(answer.body);
    if (!answer.body.empty() && parsed.ok() && parsed.value().is_object() &&
        parsed.value().as_object().contains("error") && answer.content_type == "application/json") {
      differences.insert("error body");
    } else if (!answer.body.empty()) {
      differences.insert("kind");
    }
    return differences;
  }
  if (answer.content_type != capture.content_type) differences.insert("content-type");
  const auto theirs = crm::ParseJson(capture.body);
  const auto ours = crm::ParseJson(answer.body);
  if (!theirs.ok() || !ours.ok()) {
    if (theirs.ok() != ours.ok() || capture.body != answer.body) differences.insert("kind");
    return differences;
  }
  if (KindOf(theirs.value()) != KindOf(ours.value())) {
    differences.insert("kind");
    return differences;
  }
  if (!theirs.value().is_object()) return differences;
  const json::object& t = theirs.value().as_object();
  const json::object& o = ours.value().as_object();
  const auto* their_list = t.if_contains("list");
  const auto* our_list = o.if_contains("list");
  if (t.contains("total") && their_list != nullptr && their_list->is_array()) {
    if (!JsonEquals(t.at("total"), o.contains("total") ? o.at("total") : json::value()))
      differences.insert("total");
    if (our_list == nullptr || !our_list->is_array()) {
      differences.insert("kind");
      return differences;
    }
    const json::array& tl = their_list->as_array();
    const json::array& ol = our_list->as_array();
    if (tl.size() != ol.size()) differences.insert("rows");
    for (std::size_t i = 0; i < std::min(tl.size(), ol.size()); ++i) {
      if (!tl[i].is_object() || !ol[i].is_object()) {
        differences.insert("kind");
        continue;
      }
      CompareRecord(tl[i].as_object(), ol[i].as_object(), differences);
    }
    return differences;
  }
  CompareRecord(t, o, differences);
  return differences;
}

bool LooksLikeId(std::string_view text) { return IsRecordId(text); }

// What the replay has learnt so far: captured ids and credentials -> crmd's.
struct Substitutions {
  std::map<std::string, std::string> values;   // ids, API keys, secrets
  std::map<std::string, std::string> secrets;  // captured API key -> captured HMAC secret
  std::string our_admin_password;

  // Learns from a captured answer and crmd's answer to the same request: strings at the same place
  // that are ids, or API keys and secrets, are the same thing. Lists are left out: their order
  // among records created in the same second is not the capture's.
  void Learn(const json::value& theirs, const json::value& ours, std::string_view key = {}) {
    if (theirs.is_object() && ours.is_object()) {
      if (theirs.as_object().contains("list")) return;
      const auto& o = ours.as_object();
      for (const auto& [k, v] : theirs.as_object()) {
        if (const auto* mine = o.if_contains(k)) Learn(v, *mine, k);
      }
      if (const auto* api_key = theirs.as_object().if_contains("apiKey")) {
        if (const auto* secret = theirs.as_object().if_contains("secretKey");
            secret != nullptr && api_key->is_string() && secret->is_string()) {
          secrets[std::string(api_key->as_string())] = std::string(secret->as_string());
        }
      }
    } else if (theirs.is_array() && ours.is_array()) {
      const auto& t = theirs.as_array();
      const auto& o = ours.as_array();
      for (std::size_t i = 0; i < std::min(t.size(), o.size()); ++i) Learn(t[i], o[i], key);
    } else if (theirs.is_string() && ours.is_string()) {
      const std::string t(theirs.as_string());
      const std::string o(ours.as_string());
      const bool credential = key == "apiKey" || key == "secretKey" || key == "token";
      if (t != o && (LooksLikeId(t) || credential) && !values.contains(t)) values[t] = o;
    }
  }

  std::string Apply(std::string text) const {
    for (const auto& [from, to] : values) ReplaceAll(text, from, to);
    return text;
  }

  // A base64 "user:password" with the capture's admin password replaced.
  std::string Credentials(std::string_view encoded) const {
    auto decoded = auth::Base64Decode(encoded);
    if (!decoded) return std::string(encoded);
    ReplaceAll(*decoded, kCapturedAdminPassword, our_admin_password);
    return auth::Base64Encode(Apply(*decoded));
  }

  // EspoCRM's HMAC form: base64(apiKey ":" hex HMAC(secret, "METHOD /Path")). A signature that
  // was valid for the capture is made again with crmd's secret; any other keeps its bytes.
  std::string Hmac(std::string_view encoded, std::string_view method,
                   std::string_view captured_path, std::string_view our_path) const {
    const auto decoded = auth::Base64Decode(encoded);
    const std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) return std::string(encoded);
    const std::string key = decoded->substr(0, colon);
    std::string signature = decoded->substr(colon + 1);
    const auto secret = secrets.find(key);
    if (secret != secrets.end() &&
        signature ==
            HmacSha256Hex(secret->second, std::string(method) + " " + std::string(captured_path))) {
      signature =
          HmacSha256Hex(Apply(secret->second), std::string(method) + " " + std::string(our_path));
    }
    return auth::Base64Encode(Apply(key) + ":" + signature);
  }
};

// The signed path of a request line's target: below /api/v1, without the query.
std::string SignedPath(std::string_view target) {
  target = target.substr(0, target.find('?'));
  if (target.starts_with(kApiBase)) target.remove_prefix(std::string_view(kApiBase).size());
  return std::string(target);
}

// The captured request with ids and credentials substituted and Content-Length made right.
std::string Rewrite(const Capture& capture, const Substitutions& subs) {
  const std::string head = subs.Apply(capture.request_head);
  const std::string body = subs.Apply(capture.request_body);
  const std::string_view request_line(capture.request_head.data(),
                                      capture.request_head.find("\r\n"));
  const std::string method(request_line.substr(0, request_line.find(' ')));
  const auto target_of = [](std::string_view line) {
    const std::size_t start = line.find(' ') + 1;
    return line.substr(start, line.rfind(' ') - start);
  };
  const std::string our_line = head.substr(0, head.find("\r\n"));
  std::string out;
  std::istringstream lines(head);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(':');
    const std::string name = colon == std::string::npos ? "" : line.substr(0, colon);
    const std::string value = colon == std::string::npos ? "" : line.substr(colon + 2);
    if (name == "Authorization" && value.starts_with("Basic ")) {
      line = name + ": Basic " + subs.Credentials(value.substr(6));
    } else if (name == "Espo-Authorization") {
      line = name + ": " + subs.Credentials(value);
    } else if (name == "X-Hmac-Authorization") {
      line = name + ": " +
             subs.Hmac(value, method, SignedPath(target_of(request_line)),
                       SignedPath(target_of(our_line)));
    } else if (name == "Content-Length") {
      line = name + ": " + std::to_string(body.size());
    }
    out += line + "\r\n";
  }
  // The head ends with an empty line, which getline gave back as "" (now "\r\n").
  return out + body;
}

class CaptureReplayTest : public ::testing::TestWithParam<std::string> {
 protected:
  // Only the admin exists at first, as on the capture instance: the captures make the API users.
  // The captured webhooks point at 127.0.0.1:9099, where nothing listens: their deliveries fail
  // and wait for a retry, which the replay does not look at.
  static void SetUpTestSuite() {
    server_ = TestServer::Start({"--webhook-allowed-hosts", "127.0.0.1"}).release();
    subs_.our_admin_password = TestServer::kAdminPassword;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  static inline TestServer* server_ = nullptr;
  static inline Substitutions subs_;
};

TEST_P(CaptureReplayTest, MatchesEspoCrm) {
  const Capture capture = ReadCapture(GetParam());
  if (const auto skip = NotReplayed().find(Number(capture.name)); skip != NotReplayed().end()) {
    GTEST_SKIP() << skip->second;
  }
  const std::string request = Rewrite(capture, subs_);
  const Answer answer = Send(server_->port(), request);
  const auto theirs = crm::ParseJson(capture.body);
  const auto ours = crm::ParseJson(answer.body);
  if (theirs.ok() && ours.ok() && answer.status == capture.status) {
    subs_.Learn(theirs.value(), ours.value());
  }

  std::set<std::string> allowed;
  for (const Deviation& deviation : Deviations()) {
    if (std::find(deviation.captures.begin(), deviation.captures.end(), Number(capture.name)) !=
        deviation.captures.end()) {
      allowed.insert(std::string(deviation.difference));
    }
  }
  const std::set<std::string> differences = Compare(capture, answer);
  const std::string context = "request:\n" + request + "\ncrmd answered " +
                              std::to_string(answer.status) + " " + answer.content_type + "\n" +
                              answer.body.substr(0, 3000) + "\nEspoCRM answered " +
                              std::to_string(capture.status) + "\n" + capture.body.substr(0, 3000);
  std::string unexpected;
  for (const std::string& difference : differences) {
    if (!allowed.contains(difference)) unexpected += "\n  " + difference;
  }
  EXPECT_TRUE(unexpected.empty()) << "differences not in the deviation table:" << unexpected << "\n"
                                  << context;
  for (const std::string& deviation : allowed) {
    EXPECT_TRUE(differences.contains(deviation))
        << "listed deviation no longer happens (remove it from the table): " << deviation;
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, CaptureReplayTest, ::testing::ValuesIn(CaptureNames()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return "c" + param_info.param.substr(0, 2);
                         });

// The table names only captures that exist, and a capture is never both replayed with deviations
// and not replayed.
TEST(CaptureReplayTableTest, NamesExistingCaptures) {
  std::set<std::string> numbers;
  for (const std::string& name : CaptureNames()) numbers.insert(Number(name));
  EXPECT_EQ(numbers.size(), 74u);
  for (const Deviation& deviation : Deviations()) {
    EXPECT_FALSE(deviation.reason.empty());
    for (const std::string_view capture : deviation.captures) {
      EXPECT_TRUE(numbers.contains(std::string(capture))) << capture;
      EXPECT_FALSE(NotReplayed().contains(std::string(capture))) << capture;
    }
  }
  for (const auto& [capture, reason] : NotReplayed()) {
    EXPECT_TRUE(numbers.contains(capture)) << capture;
  }
}

}  // namespace
}  // namespace crm::apitest
