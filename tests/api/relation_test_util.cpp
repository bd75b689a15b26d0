// Implementation of the relationship and bulk tests' helpers (relation_test_util.hpp).
#include "api/relation_test_util.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>

#include "crm/query/sql.hpp"
#include "crm/store/open_database.hpp"
#include "crm/store/schema.hpp"

#include "testing/test_server.hpp"
#include <unistd.h>

namespace crm::apitest {

json::value CreateRecord(ApiClient& api, std::string_view entity, const json::object& body) {
  const HttpResponse r =
      api.Post("/" + std::string(entity), body, {{"X-Skip-Duplicate-Check", "true"}});
  EXPECT_HTTP_STATUS(r, 200) << " creating " << entity << " " << json::serialize(body);
  return r.status == 200 ? r.Json() : json::value(json::object());
}

std::string CreateRecordId(ApiClient& api, std::string_view entity, const json::object& body) {
  return StringAt(CreateRecord(api, entity, body), "id");
}

json::value ReadRecord(ApiClient& api, std::string_view entity, std::string_view id) {
  return GetJson(api, "/" + std::string(entity) + "/" + std::string(id));
}

json::value GetJson(ApiClient& api, std::string_view target, const Headers& headers) {
  const HttpResponse r = api.Get(target, headers);
  EXPECT_HTTP_STATUS(r, 200) << " GET " << target;
  return r.status == 200 ? r.Json() : json::value(json::object());
}

std::vector<std::string> RelatedIds(ApiClient& api, std::string_view entity, std::string_view id,
                                    std::string_view link) {
  return ListIds(GetJson(api, "/" + std::string(entity) + "/" + std::string(id) + "/" +
                                  std::string(link) + "?select=id&maxSize=200"));
}

HttpResponse DeleteJson(ApiClient& api, std::string_view target, const json::value& body) {
  return api.Raw("DELETE", target, json::serialize(body), {{"Content-Type", "application/json"}});
}

json::array EqualsWhere(std::string_view attribute, const json::value& value) {
  return json::array{json::object{{"type", "equals"}, {"attribute", attribute}, {"value", value}}};
}

std::string EqualsWhereQuery(std::string_view attribute, std::string_view value) {
  return "where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=" + Enc(attribute) +
         "&where%5B0%5D%5Bvalue%5D=" + Enc(value);
}

std::string UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "X" + std::to_string(++counter) + "P" + std::to_string(getpid());
}

std::int64_t TotalOf(const json::value& list_body) {
  if (!list_body.is_object()) return -100;
  const auto* total = list_body.as_object().if_contains("total");
  if (total == nullptr || !total->is_number()) return -100;
  return total->to_number<std::int64_t>();
}

std::int64_t CountWhere(ApiClient& api, std::string_view entity, std::string_view attribute,
                        std::string_view value) {
  const HttpResponse r = api.Get("/" + std::string(entity) + "?select=id&maxSize=1&" +
                                 EqualsWhereQuery(attribute, value));
  EXPECT_HTTP_STATUS(r, 200);
  return r.status == 200 ? TotalOf(r.Json()) : -100;
}

json::value RowWithId(const json::value& list_body, std::string_view id) {
  if (!list_body.is_object()) return nullptr;
  const auto* list = list_body.as_object().if_contains("list");
  if (list == nullptr || !list->is_array()) return nullptr;
  for (const auto& row : list->as_array()) {
    if (StringAt(row, "id") == id) return row;
  }
  return nullptr;
}

json::object ColumnsOf(const json::value& record, std::string_view columns_attribute,
                       std::string_view id) {
  if (!record.is_object()) return {};
  const auto* columns = record.as_object().if_contains(columns_attribute);
  if (columns == nullptr || !columns->is_object()) return {};
  const auto* entry = columns->as_object().if_contains(id);
  if (entry == nullptr || !entry->is_object()) return {};
  return entry->as_object();
}

json::value ValueAt(const json::value& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto* value = object.as_object().if_contains(key);
  return value != nullptr ? *value : json::value();
}

json::value ColumnAt(const json::value& record, std::string_view columns_attribute,
                     std::string_view id, std::string_view column) {
  const json::object columns = ColumnsOf(record, columns_attribute, id);
  const auto* value = columns.if_contains(column);
  return value != nullptr ? *value : json::value();
}

std::string NameIn(const json::value& record, std::string_view names_attribute,
                   std::string_view id) {
  if (!record.is_object()) return {};
  const auto* names = record.as_object().if_contains(names_attribute);
  if (names == nullptr || !names->is_object()) return {};
  return StringAt(*names, id);
}

std::string UtcDatePlusDays(int days) {
  using namespace std::chrono;
  const auto today = floor<std::chrono::days>(system_clock::now()) + std::chrono::days(days);
  const year_month_day ymd{today};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

std::vector<ChangeEvent> ReadEvents(const std::string& data_dir, std::int64_t after_seq) {
  std::vector<ChangeEvent> events;
  // Through the store layer, as the server reads its own database: its backend, its dialect's
  // SQL. The server keeps writing meanwhile; WAL lets this reader run beside it.
  store::SqliteOptions options;
  options.path = (std::filesystem::path(data_dir) / "crmd.db").string();
  auto db = store::OpenDatabase(testing::DatabaseUrlOf(data_dir), options);
  if (!db.ok()) {
    ADD_FAILURE() << "cannot open the server's database: " << db.status().message();
    return events;
  }
  auto conn = (*db)->ReadConnection();
  if (!conn.ok()) {
    ADD_FAILURE() << "cannot read the server's database: " << conn.status().message();
    return events;
  }
  const std::array<query::SqlValue, 1> after = {after_seq};
  const Status read = (*conn)->Query(
      "SELECT seq, event, entity_type, entity_id, user_id, payload, created_at FROM " +
          query::QuoteIdentifier(store::kEventTable) + " WHERE seq > ? ORDER BY seq",
      after, [&](const store::Row& row) {
        ChangeEvent e;
        e.seq = row.Int(0);
        e.event = row.Text(1);
        e.entity_type = row.Text(2);
        e.entity_id = row.Text(3);
        e.user_id = row.Text(4);
        const std::string payload(row.Text(5));
        boost::system::error_code ec;
        e.payload = payload.empty() ? json::value() : json::parse(payload, ec);
        if (ec) ADD_FAILURE() << "event " << e.seq << " payload is not JSON: " << payload;
        e.created_at = row.Text(6);
        events.push_back(std::move(e));
        return true;
      });
  if (!read.ok()) ADD_FAILURE() << "reading the change events: " << read.message();
  return events;
}

std::int64_t LastEventSeq(const std::string& data_dir) {
  const std::vector<ChangeEvent> events = ReadEvents(data_dir, 0);
  return events.empty() ? 0 : events.back().seq;
}

std::vector<ChangeEvent> EventsFor(const std::vector<ChangeEvent>& events,
                                   std::string_view entity_id) {
  std::vector<ChangeEvent> out;
  for (const auto& e : events) {
    if (e.entity_id == entity_id) out.push_back(e);
  }
  return out;
}

std::vector<std::string> KeysOf(const json::value& value) {
  std::vector<std::string> keys;
  if (!value.is_object()) return keys;
  for (const auto& [key, unused] : value.as_object()) keys.emplace_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace crm::apitest
