// RecordService: the record API of every entity, independent of HTTP. Reads run on the calling
// thread through the store's per-thread read connection. Writes are checked and normalised on the
// calling thread, then run as one write job on the store's writer (duplicate check, version check,
// business rules, the row, its links, and the read-back of the saved record all in one
// transaction); the callback fires once that transaction has committed, so an acknowledged write is
// durable.
//
// Thread-safety: all methods may be called concurrently from any thread. Write callbacks run on the
// store's writer thread and must return quickly (post the result elsewhere).
#ifndef CRM_SERVICE_RECORD_SERVICE_HPP_
#define CRM_SERVICE_RECORD_SERVICE_HPP_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "crm/acl/access_table.hpp"
#include "crm/auth/principal.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/search_params.hpp"
#include "crm/query/sql.hpp"
#include "crm/query/where.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_reader.hpp"
#include "crm/store/database.hpp"

namespace crm::service {

class RecordWriter;

template <typename T>
using Callback = std::function<void(Result<T>)>;

// A record as returned to clients, with the version that its ETag is made of.
struct RecordResult {
  boost::json::object record;
  std::int64_t version = 0;
};

// RecordResult with the record already written as JSON text (what the GET-by-id answer sends).
struct RecordJson {
  std::string json;
  std::int64_t version = 0;
};

struct ListResult {
  std::int64_t total = 0;  // -1: more records exist, -2: no more (when the total was not counted)
  std::vector<boost::json::object> list;
};

struct ListOptions {
  bool count_total = true;  // false for X-No-Total: true
};

// Narrows a list to the records related to one record (related lists): a join and/or a condition
// over the row alias `t`, and relation columns added to each row under the given attribute names.
struct ListScope {
  std::string join;  // " JOIN ... r ON ..." appended after the FROM clause
  std::vector<query::SqlValue> join_params;
  std::string condition;  // AND-ed into WHERE
  std::vector<query::SqlValue> condition_params;
  struct Column {
    std::string name;        // attribute name in each row ("accountRole")
    std::string expression;  // SQL over the scope's join
    metadata::ValueType type = metadata::ValueType::kString;
  };
  std::vector<Column> columns;
};

struct WriteOptions {
  bool skip_duplicate_check = false;           // X-Skip-Duplicate-Check: true
  std::optional<std::int64_t> version_number;  // X-Version-Number (optimistic concurrency)
  std::optional<std::vector<std::int64_t>>
      if_match;  // versions named by If-Match; empty vector = "*"
};

// Page-size limits of list requests.
inline constexpr std::int64_t kDefaultMaxSize = 20;
inline constexpr std::int64_t kMaxMaxSize = 200;

class RecordService {
 public:
  // `secrets` seals the HMAC secrets of API users created through the API (null: creating one
  // fails); it outlives the service.
  RecordService(std::shared_ptr<const metadata::Metadata> metadata, store::Database& db,
                const Clock& clock, const auth::SecretBox* secrets = nullptr);

  const metadata::Metadata& metadata() const { return *metadata_; }

  // kNotFound "Record {id} does not exist." when there is no live record; kInvalidArgument for a
  // malformed id; kPermissionDenied when `principal` may not read the entity.
  Result<RecordResult> Read(const auth::Principal& principal, const metadata::EntityDef& entity,
                            std::string_view id);

  // Read with the record written as JSON straight from its row: the bytes SerializeJson would make
  // of Read's record, without building it.
  Result<RecordJson> ReadJson(const auth::Principal& principal, const metadata::EntityDef& entity,
                              std::string_view id);

  // kInvalidArgument for bad search parameters (unknown attribute, bad where, maxSize > 200, ...).
  // `scope` (optional) narrows the list to the records related to another one.
  Result<ListResult> List(const auth::Principal& principal, const metadata::EntityDef& entity,
                          const query::SearchParams& params, ListOptions options,
                          const ListScope* scope = nullptr);

  // List (without a scope) answered as the JSON text of {"total": ..., "list": [...]}, the bytes
  // SerializeJson makes of the ListResult, written straight from the rows.
  Result<std::string> ListJson(const auth::Principal& principal, const metadata::EntityDef& entity,
                               const query::SearchParams& params, ListOptions options);

  // Ids of the live records of `entity` matching `params`' filters (where, textFilter,
  // primaryFilter, boolFilterList) that `principal` reaches for `action`, at most `limit`. For
  // mass actions and mass relate.
  Result<std::vector<std::string>> FindIds(store::Connection& conn,
                                           const auth::Principal& principal,
                                           const metadata::EntityDef& entity,
                                           const query::SearchParams& params, std::size_t limit,
                                           acl::Action action);

  store::Database& database() { return db_; }
  const RecordReader& reader() const { return reader_; }
  const Clock& clock() const { return clock_; }
  const auth::SecretBox* secrets() const { return secrets_; }

  // kInvalidArgument (validation, with messageTranslation details), kConflict (duplicates: details
  // {"duplicates": [...]}), kPermissionDenied.
  void Create(const auth::Principal& principal, const metadata::EntityDef& entity,
              boost::json::object body, WriteOptions options, Callback<RecordResult> done);

  // As Create, plus kNotFound "Record {id} not found.", kConflict "modified" (details {"values",
  // "versionNumber"}) for a stale X-Version-Number, kFailedPrecondition for a failed If-Match.
  void Update(const auth::Principal& principal, const metadata::EntityDef& entity, std::string id,
              boost::json::object body, WriteOptions options, Callback<RecordResult> done);

  // Soft-deletes; kNotFound "Record {id} not found." when there is no live record.
  void Delete(const auth::Principal& principal, const metadata::EntityDef& entity, std::string id,
              WriteOptions options, Callback<bool> done);

  // Checks a write's body against what needs the world outside the database (a webhook URL's
  // host), on the calling thread before the write job; set before serving.
  using InputCheck =
      std::function<Status(const metadata::EntityDef&, const boost::json::object&, WriteMode)>;
  void SetInputCheck(InputCheck check) { input_check_ = std::move(check); }

  // What the principal's roles allow on `entity` as a whole (service/access_rules.hpp):
  // kPermissionDenied "No {action} access." when it has no level of `action`.
  Status CheckAccess(const auth::Principal& principal, const metadata::EntityDef& entity,
                     acl::Action action) const;

 private:
  // The read connection for record `id` once `principal` may read `entity`, the id is well formed
  // and the record is within the principal's reach: what Read and ReadJson do before reading.
  Result<store::Connection*> ConnectionToRead(const auth::Principal& principal,
                                              const metadata::EntityDef& entity,
                                              std::string_view id);

  // The SELECT of a list page and, when the total is counted, its COUNT: what List and ListJson
  // share.
  struct ListQuery {
    std::int64_t max_size = 0;
    bool count_total = false;
    std::vector<int> attributes;
    query::Projection projection;
    query::SqlFragment select;
    query::SqlFragment count;  // empty unless count_total
  };
  // `conn` answers FewTextMatches.
  Result<ListQuery> PrepareList(store::Connection& conn, const auth::Principal& principal,
                                const metadata::EntityDef& entity,
                                const query::SearchParams& params, ListOptions options,
                                const ListScope* scope) const;
  Status CountTotal(store::Connection& conn, const ListQuery& query, std::int64_t& total) const;

  // What the filters of `principal`'s requests on `entity` are bound against.
  query::FilterContext FilterContextFor(const auth::Principal& principal,
                                        const metadata::EntityDef& entity) const;
  // The filters of `params` (where, textFilter, primaryFilter, boolFilterList) as SQL over `t`;
  // the text filter in its indexed form where it has one and `text_filter_by_index` (see
  // query::FilterContext).
  Result<query::SqlFragment> CompileFilters(const auth::Principal& principal,
                                            const metadata::EntityDef& entity,
                                            const query::SearchParams& params,
                                            bool text_filter_by_index = false) const;
  // Whether the text filter of `params` has an indexed form that yields few ids, so that a list
  // page reads faster through it than in the list's order.
  Result<bool> FewTextMatches(store::Connection& conn, const auth::Principal& principal,
                              const metadata::EntityDef& entity,
                              const query::SearchParams& params) const;

  // Runs `write` in a write job with a RecordWriter for `principal`; `done` gets its record once
  // the commit succeeded, or the job's or the commit's error.
  void SubmitRecordWrite(const auth::Principal& principal,
                         std::function<Result<RecordResult>(RecordWriter&)> write,
                         Callback<RecordResult> done);

  std::shared_ptr<const metadata::Metadata> metadata_;
  store::Database& db_;
  const Clock& clock_;
  const auth::SecretBox* secrets_;
  RecordReader reader_;
  InputCheck input_check_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_SERVICE_HPP_
