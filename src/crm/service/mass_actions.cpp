#include "crm/service/mass_actions.hpp"

#include "crm/common/ids.hpp"
#include "crm/service/access_rules.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_writer.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;

// "Record 3: <what is wrong>", keeping the original details and adding the index.
Status ForRecord(std::size_t index, const Status& status) {
  json::object details;
  if (const json::object* original = status.details()) details = *original;
  details["index"] = index;
  return Status(status.code(), "Record " + std::to_string(index) + ": " + status.message())
      .WithDetails(details);
}

// Bookkeeping entities (Webhook) are changed one record at a time, through their own checks.
Status CheckMassAccess(const RecordService& records, const auth::Principal& principal,
                       const metadata::EntityDef& entity, acl::Action action) {
  if (!entity.object) {
    return Status::PermissionDenied("Mass actions are not available for " + entity.name + ".");
  }
  return records.CheckAccess(principal, entity, action);
}

// EspoCRM's massUpdatePermission: needed to update many records at once, and to delete them by a
// search rather than by ids.
Status CheckMassUpdatePermission(const RecordService& records, const auth::Principal& principal) {
  if (principal.is_admin() ||
      AccessOf(principal, records.metadata())->permission(acl::Permission::kMassUpdate) ==
          acl::Level::kAll) {
    return {};
  }
  return Status::PermissionDenied("No mass update permission.");
}

Status CheckSelection(const MassSelection& selection) {
  if (selection.ids.size() > kMaxMassSelection) {
    return Status::InvalidArgument("At most " + std::to_string(kMaxMassSelection) +
                                   " ids per request.");
  }
  for (const auto& id : selection.ids) {
    if (!IsWellFormedId(id)) return Status::InvalidArgument("Bad id '" + id + "'.");
  }
  if (selection.ids.empty() && !selection.search)
    return Status::InvalidArgument("No ids or where given.");
  return {};
}

}  // namespace

void MassActions::Create(const auth::Principal& principal, const metadata::EntityDef& entity,
                         json::array list, WriteOptions options, Callback<MassResult> done) {
  if (Status s = CheckMassAccess(records_, principal, entity, acl::Action::kCreate); !s.ok())
    return done(std::move(s));
  if (list.empty()) return done(Status::InvalidArgument("The list is empty."));
  if (list.size() > kMaxMassCreate) {
    return done(Status::InvalidArgument("At most " + std::to_string(kMaxMassCreate) +
                                        " records per massCreate."));
  }
  // Everything that can be checked without the database is checked before taking the writer.
  std::vector<RecordInput> inputs;
  inputs.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object())
      return done(ForRecord(i, Status::InvalidArgument("Not a JSON object.")));
    auto input = ParseRecordInput(entity, list[i].get_object(), WriteMode::kCreate);
    if (!input.ok()) return done(ForRecord(i, input.status()));
    inputs.push_back(std::move(input).value());
  }
  auto result = std::make_shared<MassResult>();
  RecordService& records = records_;
  records.database().SubmitWrite(
      [&records, principal, &entity, inputs = std::move(inputs), options,
       result](store::Connection& conn) mutable {
        RecordWriter writer(records.reader(), conn, principal, records.clock().Now());
        for (std::size_t i = 0; i < inputs.size(); ++i) {
          auto created = writer.Create(entity, std::move(inputs[i]), options);
          if (!created.ok()) return ForRecord(i, created.status());
          result->ids.emplace_back(created->record.at("id").get_string());
        }
        result->count = static_cast<std::int64_t>(result->ids.size());
        return Status();
      },
      [result, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*result));
      });
}

void MassActions::Update(const auth::Principal& principal, const metadata::EntityDef& entity,
                         MassSelection selection, json::object data, Callback<MassResult> done) {
  if (Status s = CheckMassAccess(records_, principal, entity, acl::Action::kEdit); !s.ok())
    return done(std::move(s));
  if (Status s = CheckMassUpdatePermission(records_, principal); !s.ok()) return done(std::move(s));
  if (Status s = CheckSelection(selection); !s.ok()) return done(std::move(s));
  DropUneditableFields(principal, entity, data);
  auto input = ParseRecordInput(entity, data, WriteMode::kUpdate);
  if (!input.ok()) return done(std::move(input).TakeStatus());
  ApplyToSelection(
      principal, entity, std::move(selection), acl::Action::kEdit,
      [&entity, input = std::move(input).value()](RecordWriter& writer, const std::string& id) {
        return writer.Update(entity, id, input, WriteOptions{}).TakeStatus();
      },
      std::move(done));
}

void MassActions::Delete(const auth::Principal& principal, const metadata::EntityDef& entity,
                         MassSelection selection, Callback<MassResult> done) {
  if (Status s = CheckMassAccess(records_, principal, entity, acl::Action::kDelete); !s.ok())
    return done(std::move(s));
  if (Status s = CheckSelection(selection); !s.ok()) return done(std::move(s));
  if (selection.search) {
    if (Status s = CheckMassUpdatePermission(records_, principal); !s.ok())
      return done(std::move(s));
  }
  ApplyToSelection(
      principal, entity, std::move(selection), acl::Action::kDelete,
      [&entity](RecordWriter& writer, const std::string& id) {
        return writer.Delete(entity, id, WriteOptions{});
      },
      std::move(done));
}

void MassActions::ApplyToSelection(const auth::Principal& principal,
                                   const metadata::EntityDef& entity, MassSelection selection,
                                   acl::Action access, RecordAction action,
                                   Callback<MassResult> done) {
  auto result = std::make_shared<MassResult>();
  RecordService& records = records_;
  records.database().SubmitWrite(
      [&records, principal, &entity, selection = std::move(selection), access,
       action = std::move(action), result](store::Connection& conn) -> Status {
        std::vector<std::string> ids = selection.ids;
        if (selection.search) {
          CRM_ASSIGN_OR_RETURN(ids, records.FindIds(conn, principal, entity, *selection.search,
                                                    kMaxMassSelection, access));
        }
        RecordWriter writer(records.reader(), conn, principal, records.clock().Now());
        for (const auto& id : ids) {
          // Records that are gone or out of the principal's reach are skipped, as EspoCRM does;
          // the answer's ids say which were changed.
          const Status reachable =
              CheckReach(conn, principal, records.metadata(), entity, id, access, "");
          if (reachable.code() == StatusCode::kNotFound ||
              reachable.code() == StatusCode::kPermissionDenied) {
            continue;
          }
          CRM_RETURN_IF_ERROR(reachable);
          const Status applied = action(writer, id);
          if (applied.code() == StatusCode::kNotFound) continue;
          CRM_RETURN_IF_ERROR(applied);
          result->ids.push_back(id);
        }
        result->count = static_cast<std::int64_t>(result->ids.size());
        return {};
      },
      [result, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*result));
      });
}

}  // namespace crm::service
