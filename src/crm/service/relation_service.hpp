// RelationService: the relationship endpoints of every entity, driven by the link definitions in
// metadata: related lists (GET /{E}/{id}/{link}) with all search parameters and relation columns,
// link (POST, by id, ids or massRelate where) and unlink (DELETE, by id in the path or in the
// body). Link types: many-to-many (join table rows), one-to-many hasMany (the other record's
// foreign key), hasChildren (the other record's parent), and belongsTo (this record's foreign key;
// EspoCRM refuses these, crmd accepts them so that the seed document's `POST /Contact/{id}/account`
// works). Both sides stay consistent: a record's primary link (Contact.account) is kept among its
// many-to-many set (Contact.accounts) from whichever side the change comes.
//
// Thread-safety: as RecordService.
#ifndef CRM_SERVICE_RELATION_SERVICE_HPP_
#define CRM_SERVICE_RELATION_SERVICE_HPP_

#include <string>
#include <vector>

#include "crm/service/record_service.hpp"

namespace crm::service {

// What to link or unlink: explicit ids, or (link only) every record matching a search.
struct LinkSelection {
  std::vector<std::string> ids;
  std::optional<query::SearchParams> mass_relate;
};

class RelationService {
 public:
  explicit RelationService(RecordService& records) : records_(records) {}

  // kNotFound "Link does not exist." / "Record {id} does not exist."; kInvalidArgument for bad
  // search.
  Result<ListResult> ListRelated(const auth::Principal& principal,
                                 const metadata::EntityDef& entity, const std::string& id,
                                 const std::string& link, const query::SearchParams& params,
                                 ListOptions options);

  // Links each selected record; already linked pairs are left as they are. kNotFound for a missing
  // record or link, kPermissionDenied for links that cannot be set this way (hasOne, parent).
  void Link(const auth::Principal& principal, const metadata::EntityDef& entity, std::string id,
            std::string link, LinkSelection selection, Callback<bool> done);
  void Unlink(const auth::Principal& principal, const metadata::EntityDef& entity, std::string id,
              std::string link, std::vector<std::string> ids, Callback<bool> done);

  // Calls, meetings and tasks of a record: planned ("activities") or done ("history"), newest
  // first.
  Result<ListResult> Activities(const auth::Principal& principal, const metadata::EntityDef& entity,
                                const std::string& id, bool history,
                                const query::SearchParams& params);

  // The SELECT behind Activities: scope, id and date of every call, meeting and task of the record
  // that the principal may read, unordered and unpaged; empty when it may read no activity type.
  // Public so that a test can check its query plan.
  static query::SqlFragment ActivitiesQuery(const auth::Principal& principal,
                                            const metadata::Metadata& metadata,
                                            const metadata::EntityDef& entity,
                                            const std::string& id, bool history);

 private:
  RecordService& records_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_RELATION_SERVICE_HPP_
