// Helpers for the relationship, activity, lead-conversion and bulk API tests (relations_test.cpp,
// activities_test.cpp, convert_test.cpp, mass_test.cpp): DELETE with a JSON body, where clauses in
// the bracket and JSON forms, counting records that match one attribute, unique names, the
// relation columns of a link-multiple attribute, and the change events the server wrote to the
// `crmd_event` table of its database (read through the store layer while the server runs); and
// RelatedRecordsTest, the fixture that binds them to the shared server.
//
// Thread-safety: none; one test thread uses these.
#ifndef CRM_TESTS_API_RELATION_TEST_UTIL_HPP_
#define CRM_TESTS_API_RELATION_TEST_UTIL_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_test_util.hpp"

namespace crm::apitest {

// A well-formed id that no record has.
inline constexpr char kMissingId[] = "0123456789abcdef0";

// POST /{entity} with X-Skip-Duplicate-Check: true; expects 200 and returns the record ({} after a
// failure).
json::value CreateRecord(ApiClient& api, std::string_view entity, const json::object& body);
std::string CreateRecordId(ApiClient& api, std::string_view entity, const json::object& body);
// GET /{entity}/{id}; expects 200.
json::value ReadRecord(ApiClient& api, std::string_view entity, std::string_view id);
// GET `target`; expects 200 and returns the body.
json::value GetJson(ApiClient& api, std::string_view target, const Headers& headers = {});
// The ids of GET /{entity}/{id}/{link} (up to 200), in the answer's order.
std::vector<std::string> RelatedIds(ApiClient& api, std::string_view entity, std::string_view id,
                                    std::string_view link);

// DELETE `target` with `body` as application/json (EspoCRM's unlink and the seed's massDelete).
HttpResponse DeleteJson(ApiClient& api, std::string_view target, const json::value& body);

// [{"type": "equals", "attribute": attribute, "value": value}].
json::array EqualsWhere(std::string_view attribute, const json::value& value);
// The same item as a PHP bracket query ("where[0][type]=equals&..."), percent-encoded, no '?'.
std::string EqualsWhereQuery(std::string_view attribute, std::string_view value);

// A name that no other test uses: `prefix` + a counter + the process id, letters and digits only.
std::string UniqueName(std::string_view prefix);

// `total` of GET /{entity}?where=<attribute equals value> (-100 when the request fails).
std::int64_t CountWhere(ApiClient& api, std::string_view entity, std::string_view attribute,
                        std::string_view value);

// The `total` of a {"total", "list"} body, or -100 when absent.
std::int64_t TotalOf(const json::value& list_body);
// The record in a {"total", "list"} body with id `id`, or null.
json::value RowWithId(const json::value& list_body, std::string_view id);

// record[columns_attribute][id] (e.g. accountsColumns[accountId]) as an object; {} when absent.
json::object ColumnsOf(const json::value& record, std::string_view columns_attribute,
                       std::string_view id);
// object[key], or null when `object` is not an object or has no `key`.
json::value ValueAt(const json::value& object, std::string_view key);
// record[columns_attribute][id][column] (e.g. usersColumns[userId].status); null when absent.
json::value ColumnAt(const json::value& record, std::string_view columns_attribute,
                     std::string_view id, std::string_view column);
// record[names_attribute][id] as a string; "" when absent.
std::string NameIn(const json::value& record, std::string_view names_attribute,
                   std::string_view id);

// Today's date in UTC plus `days`, as YYYY-MM-DD.
std::string UtcDatePlusDays(int days);

// One row of the server's change-event table.
struct ChangeEvent {
  std::int64_t seq = 0;
  std::string event;  // "Contact.create", "Contact.update", "Contact.delete"
  std::string entity_type;
  std::string entity_id;
  std::string user_id;
  json::value payload;
  std::string created_at;
};

// The rows of `crmd_event` in `data_dir`/crmd.db with seq > after_seq, in seq order. Fails the test
// when the database cannot be read.
std::vector<ChangeEvent> ReadEvents(const std::string& data_dir, std::int64_t after_seq = 0);
// The highest seq in `crmd_event` (0 when empty).
std::int64_t LastEventSeq(const std::string& data_dir);
// The events among `events` about `entity_id`.
std::vector<ChangeEvent> EventsFor(const std::vector<ChangeEvent>& events,
                                   std::string_view entity_id);
// The sorted top-level keys of a JSON object (empty for other values).
std::vector<std::string> KeysOf(const json::value& value);

// The shared server of SharedServerTest with the helpers above bound to its API-key client, for
// the fixtures of these tests.
class RelatedRecordsTest : public SharedServerTest {
 protected:
  static json::value Create(const std::string& entity, const json::object& body) {
    ApiClient api = Api();
    return CreateRecord(api, entity, body);
  }
  static std::string CreateId(const std::string& entity, const json::object& body) {
    return StringAt(Create(entity, body), "id");
  }
  static json::value Read(const std::string& entity, const std::string& id) {
    ApiClient api = Api();
    return ReadRecord(api, entity, id);
  }
  static json::value Get(const std::string& target, const Headers& headers = {}) {
    ApiClient api = Api();
    return GetJson(api, target, headers);
  }
  static std::vector<std::string> Related(const std::string& entity, const std::string& id,
                                          const std::string& link) {
    ApiClient api = Api();
    return RelatedIds(api, entity, id, link);
  }
  static std::int64_t Count(const std::string& entity, const std::string& attribute,
                            const std::string& value) {
    ApiClient api = Api();
    return CountWhere(api, entity, attribute, value);
  }
};

}  // namespace crm::apitest

#endif  // CRM_TESTS_API_RELATION_TEST_UTIL_HPP_
