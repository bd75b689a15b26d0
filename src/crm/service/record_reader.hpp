// RecordReader: reads records from the store and shapes them as EspoCRM does on the wire: every
// requested attribute present (nulls included) in metadata order, link names resolved, linkMultiple
// ids/names/columns filled from the join tables, emailAddressData/phoneNumberData as arrays,
// computed attributes (person name, duration, converted currency) filled in, attributes of features
// not built (metadata "notBuilt") at EspoCRM's empty values, and email/phone flags null without an
// address or number.
//
// Thread-safety: stateless apart from immutable metadata; each call uses the Connection it is
// given, which belongs to the calling thread (or to the writer during a write job).
#ifndef CRM_SERVICE_RECORD_READER_HPP_
#define CRM_SERVICE_RECORD_READER_HPP_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crm/auth/principal.hpp"
#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/projection.hpp"
#include "crm/query/sql.hpp"
#include "crm/store/database.hpp"

namespace crm::service {

// Which attributes a read returns.
enum class AttributeSet {
  kFull,  // GET by id and write responses: everything, linkMultiple and email/phone data included
  kList,  // lists without select: stored attributes and link names, no linkMultiple or email data
};

class RecordReader {
 public:
  // Prepares the SQL of full-record reads for every entity once, in the database's `dialect`, so
  // the request path only binds and runs it.
  RecordReader(const metadata::Metadata& metadata, query::Dialect dialect);

  const metadata::Metadata& metadata() const { return metadata_; }

  // Attribute indexes for `set` that `principal` may read, in wire order.
  std::vector<int> Attributes(const metadata::EntityDef& entity, AttributeSet set,
                              const auth::Principal& principal) const;

  struct StoredRecord {
    boost::json::object record;
    std::int64_t version = 0;  // the row's version_number (ETag), whether or not it is an attribute
  };

  // Reads one live record; nullopt when there is none with `id`.
  Result<std::optional<StoredRecord>> ReadById(store::Connection& conn,
                                               const metadata::EntityDef& entity,
                                               std::string_view id,
                                               const std::vector<int>& attributes) const;

  struct StoredJson {
    std::string json;  // the record as SerializeJson would write StoredRecord::record
    std::int64_t version = 0;
  };

  // ReadById's record written as JSON text straight from the row, without building the object:
  // the same bytes for the GET-by-id answer at a fraction of the allocations.
  Result<std::optional<StoredJson>> ReadByIdJson(store::Connection& conn,
                                                 const metadata::EntityDef& entity,
                                                 std::string_view id,
                                                 const std::vector<int>& attributes) const;

  // Receives a row's extra columns (those from projection.extra_start() on, starting at `first`).
  using ExtraColumns =
      std::function<void(const store::Row& row, int first, boost::json::object& record)>;

  // Runs `sql` (a SELECT built over `projection` = BuildProjection(entity, attributes, ...)) and
  // shapes each row into a record of `attributes`.
  Status ReadRows(store::Connection& conn, const metadata::EntityDef& entity, std::string_view sql,
                  std::span<const query::SqlValue> params, const query::Projection& projection,
                  const std::vector<int>& attributes, std::vector<boost::json::object>& out,
                  const ExtraColumns& extra = nullptr) const;

  // A row shaped as a record: the values of `attributes`, in the same order.
  using RecordValues = std::vector<boost::json::value>;
  // Receives each shaped row (the values may be moved from); false stops the query.
  using OnRecord = std::function<bool(const store::Row& row, RecordValues& values)>;

  // What ReadRows does up to building the object: runs `sql` and hands each row's values over.
  Status ShapeRows(store::Connection& conn, const metadata::EntityDef& entity, std::string_view sql,
                   std::span<const query::SqlValue> params, const query::Projection& projection,
                   const std::vector<int>& attributes, const OnRecord& on_record) const;

  // Appends the record of `attributes` with `values` (from ShapeRows) as one JSON object, exactly
  // as SerializeJson writes the object ReadRows builds from them.
  void AppendRecordJson(const metadata::EntityDef& entity, const std::vector<int>& attributes,
                        const RecordValues& values, std::string& out) const;

  // The full attribute set `principal` may read (pass it to ReadById as is, which then uses the
  // prepared statement).
  // Returns the prepared set itself (no copy on the GET-by-id path) unless the principal's roles
  // hide fields of `entity`; then `narrowed` receives the narrowed set and is returned.
  const std::vector<int>& FullAttributes(const metadata::EntityDef& entity,
                                         const auth::Principal& principal,
                                         std::vector<int>& narrowed) const;
  // Every stored attribute but internal ones (what an update compares with); prepared as well.
  const std::vector<int>& StoredAttributes(const metadata::EntityDef& entity) const;

 private:
  // Prepared reads of one record of an entity: the full record for callers that may not and that
  // may see sensitive attributes, and the stored attributes an update compares with.
  enum PreparedSet { kFullForUsers, kFullForAdmins, kStored, kPreparedSets };
  struct EntityPlans {
    std::vector<int> attributes[kPreparedSets];
    query::Projection by_id[kPreparedSets];  // the set plus the version column
    std::string by_id_sql[kPreparedSets];    // ... WHERE id = ? AND deleted = 0
    std::vector<std::string> json_keys;      // per attribute: its name as a JSON key and ':'
  };

  // The by-id read of an attribute set: a prepared one, or one built for the call (then held
  // here, so the query stays where it was filled in).
  struct ByIdQuery {
    ByIdQuery() = default;
    ByIdQuery(const ByIdQuery&) = delete;
    ByIdQuery& operator=(const ByIdQuery&) = delete;
    const query::Projection* projection = nullptr;
    std::string_view sql;
    std::optional<query::Projection> built;
    std::string built_sql;
  };
  void QueryById(const metadata::EntityDef& entity, const std::vector<int>& attributes,
                 ByIdQuery& query) const;

  const EntityPlans& PlansOf(const metadata::EntityDef& entity) const;

  const metadata::Metadata& metadata_;
  const query::Dialect dialect_;
  std::vector<EntityPlans> plans_;  // parallel to metadata_.entities()
};

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_READER_HPP_
