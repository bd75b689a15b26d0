// MassActions: bulk create, update and delete in every form of the contract (the seed's
// {E}/action/massCreate|massUpdate|massDelete, EspoCRM's POST MassAction, the legacy forms). Each
// request is one transaction through the same record writer as single operations, so validation,
// business rules and change events are identical. Create is all-or-nothing (a bad record fails the
// request, naming its index); update and delete skip records that do not exist, as EspoCRM does.
//
// Thread-safety: as RecordService.
#ifndef CRM_SERVICE_MASS_ACTIONS_HPP_
#define CRM_SERVICE_MASS_ACTIONS_HPP_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crm/service/record_service.hpp"

namespace crm::service {

class RecordWriter;

inline constexpr std::size_t kMaxMassCreate = 1000;
inline constexpr std::size_t kMaxMassSelection = 10000;

struct MassResult {
  std::int64_t count = 0;
  std::vector<std::string> ids;
};

// Which records an update or delete touches: listed ids, or every record matching a search.
struct MassSelection {
  std::vector<std::string> ids;
  std::optional<query::SearchParams> search;
};

class MassActions {
 public:
  explicit MassActions(RecordService& records) : records_(records) {}

  // kInvalidArgument "Record {i}: ..." (with "index" among the details) when record i is invalid.
  void Create(const auth::Principal& principal, const metadata::EntityDef& entity,
              boost::json::array list, WriteOptions options, Callback<MassResult> done);
  void Update(const auth::Principal& principal, const metadata::EntityDef& entity,
              MassSelection selection, boost::json::object data, Callback<MassResult> done);
  void Delete(const auth::Principal& principal, const metadata::EntityDef& entity,
              MassSelection selection, Callback<MassResult> done);

 private:
  // What an update or delete does to one selected record; kNotFound skips the record.
  using RecordAction = std::function<Status(RecordWriter&, const std::string&)>;

  // One write job: resolves the selection (given ids, or the search's matches) and applies
  // `action` to each record; answers with the ids it applied to.
  void ApplyToSelection(const auth::Principal& principal, const metadata::EntityDef& entity,
                        MassSelection selection, acl::Action access, RecordAction action,
                        Callback<MassResult> done);

  RecordService& records_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_MASS_ACTIONS_HPP_
