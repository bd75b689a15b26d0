// RecordWriter: the write half of the record service, run inside a store write job (one
// transaction): inserts, updates and soft-deletes of one record with everything that belongs to it
// (link tables, email/phone lookup rows, business rules, duplicate and version checks), followed by
// the read-back the response is made of.
//
// Thread-safety: used only on the store's writer thread, within one job at a time.
#ifndef CRM_SERVICE_RECORD_WRITER_HPP_
#define CRM_SERVICE_RECORD_WRITER_HPP_

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "crm/auth/principal.hpp"
#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/sql.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_reader.hpp"
#include "crm/service/record_service.hpp"
#include "crm/store/database.hpp"
#include "crm/webhook/event_name.hpp"

namespace crm::service {

class RecordWriter {
 public:
  // `reader` outlives the writer (it is the service's, with its prepared projections); so does
  // `secrets`, which seals new API users' HMAC secrets (null: such users cannot be created).
  RecordWriter(const RecordReader& reader, store::Connection& conn,
               const auth::Principal& principal, TimePoint now,
               const auth::SecretBox* secrets = nullptr)
      : metadata_(reader.metadata()),
        reader_(reader),
        conn_(conn),
        principal_(principal),
        now_(now),
        secrets_(secrets) {}

  // The write job's connection (checks that must run in the job's transaction).
  store::Connection& connection() { return conn_; }

  // Creates a record from checked input; returns it as read back (full attribute set), plus the
  // credentials a new API user is shown once.
  Result<RecordResult> Create(const metadata::EntityDef& entity, RecordInput input,
                              const WriteOptions& options);
  // Applies checked input to record `id`.
  Result<RecordResult> Update(const metadata::EntityDef& entity, const std::string& id,
                              RecordInput input, const WriteOptions& options);
  Status Delete(const metadata::EntityDef& entity, const std::string& id,
                const WriteOptions& options);

  // Live records of `entity` that `input` would duplicate (same name or email address), at most
  // five, as full records.
  Result<std::vector<boost::json::object>> FindDuplicates(const metadata::EntityDef& entity,
                                                          const RecordInput& input) const;

  // The query behind FindDuplicates (ids of live records with the same name or an address of the
  // input); empty when the entity has no duplicate check or the input nothing to compare.
  static query::SqlFragment DuplicateQuery(const metadata::EntityDef& entity,
                                           const RecordInput& input);

  // The full, client-visible record `id` (kNotFound "Record {id} not found." when there is none).
  Result<RecordResult> ReadBack(const metadata::EntityDef& entity, const std::string& id) const;

 private:
  Status CheckLinkTargets(const metadata::EntityDef& entity, const RecordInput& input);
  Status CheckDuplicates(const metadata::EntityDef& entity, const RecordInput& input);
  Status WriteContactData(const metadata::EntityDef& entity, const std::string& id,
                          RecordInput& input, const boost::json::object* current);
  // Returns whether any link row changed.
  Result<bool> WriteLinkSets(const metadata::EntityDef& entity, const std::string& id,
                             const RecordInput& input);
  // A one-to-many link: the other records' foreign keys point here exactly for `ids`.
  Result<bool> WriteForeignKeys(const metadata::LinkDef& link, const std::string& id,
                                const std::vector<std::string>& ids);
  // A many-to-many link: the join rows (and their relation columns) match `set`.
  Result<bool> WriteJoinRows(const metadata::LinkDef& link, const std::string& id,
                             const LinkSetInput& set);
  // Appends a change event to the outbox and queues the deliveries of the webhooks subscribed to
  // it, in the current transaction. Entities that are not business objects have no events.
  Status EmitEvent(const metadata::EntityDef& entity, const std::string& id,
                   webhook::EventType type, const boost::json::object& payload);
  Status CheckPreconditions(const metadata::EntityDef& entity, const std::string& id,
                            std::int64_t version, const boost::json::object& current,
                            const RecordInput& input, const WriteOptions& options);

  const metadata::Metadata& metadata_;
  const RecordReader& reader_;
  store::Connection& conn_;
  const auth::Principal& principal_;
  const TimePoint now_;
  const auth::SecretBox* secrets_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_WRITER_HPP_
