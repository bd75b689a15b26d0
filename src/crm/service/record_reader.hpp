// RecordReader: reads records from the store and shapes them as EspoCRM does on the wire: every
// requested attribute present (nulls included) in metadata order, link names resolved, linkMultiple
// ids/names/columns filled from the join tables, emailAddressData/phoneNumberData as arrays,
// computed attributes (person name, duration, converted currency) filled in.
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
#include <unordered_map>
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
  // Prepares the SQL of the common reads (full records, default lists, linkMultiple lookups) for
  // every entity once, so the request path only binds and runs it.
  explicit RecordReader(const metadata::Metadata& metadata);

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

  // Receives a row's extra columns (those after the attribute columns, starting at `first`).
  using ExtraColumns =
      std::function<void(const store::Row& row, int first, boost::json::object& record)>;

  // Runs `select` (built over BuildProjection(entity, attributes, ...) with its columns in
  // `columns`) and shapes each row; computed attributes among `attributes` are filled per record.
  Status ReadRows(store::Connection& conn, const metadata::EntityDef& entity,
                  const query::SqlFragment& select, const std::vector<int>& columns,
                  const std::vector<int>& attributes, std::vector<boost::json::object>& out,
                  const ExtraColumns& extra = nullptr) const;
  Status ReadRows(store::Connection& conn, const metadata::EntityDef& entity, std::string_view sql,
                  std::span<const query::SqlValue> params, const std::vector<int>& columns,
                  const std::vector<int>& attributes, std::vector<boost::json::object>& out,
                  const ExtraColumns& extra = nullptr) const;

  // The full attribute set `principal` may read (the prepared one: pass it to ReadById as is).
  const std::vector<int>& FullAttributes(const metadata::EntityDef& entity,
                                         const auth::Principal& principal) const;

  // Ids, names and relation columns of the records linked to `id` through `link` (a hasMany link),
  // in link order; for linkMultiple attributes.
  struct LinkedRecord {
    std::string id;
    std::string name;
    boost::json::object columns;
  };
  Result<std::vector<LinkedRecord>> ReadLinked(store::Connection& conn,
                                               const metadata::LinkDef& link,
                                               std::string_view id) const;

 private:
  Status FillComputed(store::Connection& conn, const metadata::EntityDef& entity,
                      const std::vector<int>& attributes, boost::json::object& record) const;
  std::string LinkedSql(const metadata::LinkDef& link) const;

  // Prepared reads of one entity, for callers that may and may not see sensitive attributes.
  struct EntityPlans {
    std::vector<int> full[2];    // attribute sets, [is_admin]
    query::Projection by_id[2];  // full set plus the version column
    std::string by_id_sql[2];    // ... WHERE id = ? AND deleted = 0
  };

  const EntityPlans& PlansOf(const metadata::EntityDef& entity) const;

  const metadata::Metadata& metadata_;
  std::vector<EntityPlans> plans_;  // parallel to metadata_.entities()
  std::unordered_map<const metadata::LinkDef*, std::string> linked_sql_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_READER_HPP_
