#include "crm/service/relation_service.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "crm/common/ids.hpp"
#include "crm/common/strings.hpp"
#include "crm/query/sql.hpp"
#include "crm/service/access_rules.hpp"
#include "crm/service/record_reader.hpp"
#include "crm/service/record_sql.hpp"
#include "crm/service/record_writer.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::EntityDef;
using metadata::FieldType;
using metadata::LinkDef;
using metadata::LinkType;
using query::QuoteIdentifier;
using query::SqlValue;

// Most records one massRelate may link.
constexpr std::size_t kMaxMassRelate = 10000;

Result<const LinkDef*> FindLink(const EntityDef& entity, const std::string& name,
                                bool for_listing) {
  const LinkDef* link = entity.FindLink(name);
  if (link == nullptr || (for_listing && link->type == LinkType::kBelongsToParent)) {
    if (for_listing) return Status::NotFound("Link does not exist.");
    return Status::NotFound("Entity " + entity.name + " does not have link " + name + ".");
  }
  return link;
}

// The checks a link or unlink request passes before it is queued: edit access, a link that these
// endpoints may change (EspoCRM refuses hasOne and belongsToParent), well-formed ids.
Result<const LinkDef*> CheckRelateRequest(const RecordService& records,
                                          const auth::Principal& principal, const EntityDef& entity,
                                          const std::string& id, const std::string& link_name,
                                          const std::vector<std::string>& other_ids) {
  CRM_RETURN_IF_ERROR(records.CheckAccess(principal, entity, acl::Action::kEdit));
  CRM_ASSIGN_OR_RETURN(const LinkDef* link, FindLink(entity, link_name, false));
  if (link->type == LinkType::kHasOne || link->type == LinkType::kBelongsToParent) {
    return Status::PermissionDenied("Only manyMany, hasMany & hasChildren relations are allowed.");
  }
  if (!IsWellFormedId(id)) return Status::InvalidArgument("Bad id '" + id + "'.");
  for (const auto& other_id : other_ids) {
    if (!IsWellFormedId(other_id)) return Status::InvalidArgument("Bad id '" + other_id + "'.");
  }
  return link;
}

// Inside the write job: the record and every record to (un)link exist, or kNotFound naming one,
// and the principal may edit them (EspoCRM asks edit access on both sides of a link), or
// kPermissionDenied.
Status CheckRecordsReachable(store::Connection& conn, const auth::Principal& principal,
                             const metadata::Metadata& metadata, const EntityDef& entity,
                             const std::string& id, const EntityDef& other,
                             const std::vector<std::string>& other_ids) {
  CRM_RETURN_IF_ERROR(CheckRecord(conn, principal, metadata, entity, id, acl::Action::kEdit,
                                  "Record " + id + " not found."));
  for (const auto& other_id : other_ids) {
    // Users and teams are edited by admins only; being able to read one is enough to make it an
    // attendee or a record's team (EspoCRM asks read there too).
    const bool read_is_enough = other.name == "User" || other.name == "Team";
    CRM_RETURN_IF_ERROR(CheckRecord(conn, principal, metadata, other, other_id,
                                    read_is_enough ? acl::Action::kRead : acl::Action::kEdit,
                                    "Record " + other_id + " not found."));
  }
  return {};
}

// The join-table scope of a many-to-many link from the side of the record `id`: " AND r.near = ?
// ...".
std::string JoinScope(const LinkDef& link, const std::string& alias, const std::string& id,
                      std::vector<SqlValue>& params) {
  std::string sql = alias + "." + QuoteIdentifier(link.near_key_column) + " = ?";
  params.emplace_back(id);
  for (const auto& [column, value] : link.conditions) {
    sql += " AND " + alias + "." + QuoteIdentifier(column) + " = ?";
    params.emplace_back(value);
  }
  return sql;
}

// The belongsTo link that names the primary member of a many-to-many set: Contact.account for
// Contact.accounts. nullptr when there is none.
const LinkDef* PrimaryOf(const EntityDef& entity, const LinkDef& set) {
  if (!set.many_to_many() || set.name.size() < 2 || set.name.back() != 's') return nullptr;
  const LinkDef* single = entity.FindLink(set.name.substr(0, set.name.size() - 1));
  if (single == nullptr || single->type != LinkType::kBelongsTo || single->entity != set.entity)
    return nullptr;
  return single;
}

// Changes system-maintained attributes of a record (foreign keys set by linking) through the
// writer, so the change gets its version, modifiedAt, business rules and change event like any
// other update.
Status SetAttributes(RecordWriter& writer, const EntityDef& entity, const std::string& id,
                     std::initializer_list<std::pair<std::string, json::value>> values) {
  RecordInput input;
  for (const auto& [name, value] : values) input.Set(entity, name, value);
  return writer.Update(entity, id, std::move(input), WriteOptions{}).TakeStatus();
}

// Keeps primary links consistent with many-to-many sets after `ids` were linked to (or unlinked
// from) record `id` through `link`: a record without a primary gets the first linked one; a primary
// that was unlinked is cleared. Applies to both sides of the link.
Status SyncPrimaries(RecordWriter& writer, store::Connection& conn,
                     const metadata::Metadata& metadata, const EntityDef& entity,
                     const LinkDef& link, const std::string& id,
                     const std::vector<std::string>& ids, bool linked) {
  if (ids.empty()) return {};
  if (const LinkDef* primary = PrimaryOf(entity, link)) {
    const std::string attribute = primary->name + "Id";
    CRM_ASSIGN_OR_RETURN(const auto current, ReadColumn(conn, entity, id, ToSnakeCase(attribute)));
    if (linked && !current) {
      CRM_RETURN_IF_ERROR(
          SetAttributes(writer, entity, id, {{attribute, json::string(ids.front())}}));
    } else if (!linked && current && std::find(ids.begin(), ids.end(), *current) != ids.end()) {
      CRM_RETURN_IF_ERROR(SetAttributes(writer, entity, id, {{attribute, nullptr}}));
    }
  }
  const EntityDef& other = metadata.Entity(link.entity);
  const LinkDef* back = link.foreign.empty() ? nullptr : other.FindLink(link.foreign);
  if (back == nullptr) return {};
  if (const LinkDef* primary = PrimaryOf(other, *back)) {
    const std::string attribute = primary->name + "Id";
    for (const auto& other_id : ids) {
      CRM_ASSIGN_OR_RETURN(const auto current,
                           ReadColumn(conn, other, other_id, ToSnakeCase(attribute)));
      if (linked && !current) {
        CRM_RETURN_IF_ERROR(
            SetAttributes(writer, other, other_id, {{attribute, json::string(id)}}));
      } else if (!linked && current && *current == id) {
        CRM_RETURN_IF_ERROR(SetAttributes(writer, other, other_id, {{attribute, nullptr}}));
      }
    }
  }
  return {};
}

// Relation columns shown in related lists, by attribute name: taken from this side's linkMultiple
// field for the link (Meeting.contacts: status -> acceptanceStatus) or the other side's
// (Account.contacts rows carry Contact.accounts' accountRole and accountIsInactive).
std::vector<ListScope::Column> RelationColumns(const metadata::Metadata& metadata,
                                               const EntityDef& entity, const LinkDef& link) {
  std::vector<ListScope::Column> out;
  const EntityDef& other = metadata.Entity(link.entity);
  const metadata::FieldDef* field = entity.FindField(link.name);
  if (field == nullptr || field->columns.empty()) field = other.FindField(link.foreign);
  for (const auto& column : link.additional_columns) {
    std::string name = column.name;
    if (field != nullptr) {
      for (const auto& [wire, attribute] : field->columns) {
        if (wire == column.name) name = attribute;
      }
    }
    out.push_back({name, "r." + QuoteIdentifier(column.column), column.type});
  }
  return out;
}

}  // namespace

Result<ListResult> RelationService::ListRelated(const auth::Principal& principal,
                                                const EntityDef& entity, const std::string& id,
                                                const std::string& link_name,
                                                const query::SearchParams& params,
                                                ListOptions options) {
  CRM_RETURN_IF_ERROR(records_.CheckAccess(principal, entity, acl::Action::kRead));
  CRM_ASSIGN_OR_RETURN(const LinkDef* link, FindLink(entity, link_name, true));
  if (!IsWellFormedId(id)) return Status::InvalidArgument("Bad id '" + id + "'.");
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, records_.database().ReadConnection());
  const metadata::Metadata& metadata = records_.metadata();
  CRM_RETURN_IF_ERROR(CheckRecord(*conn, principal, metadata, entity, id, acl::Action::kRead,
                                  "Record " + id + " does not exist."));

  const EntityDef& other = metadata.Entity(link->entity);
  ListScope scope;
  switch (link->type) {
    case LinkType::kHasMany:
      if (link->many_to_many()) {
        scope.join = " JOIN " + QuoteIdentifier(link->join_table) + " r ON r." +
                     QuoteIdentifier(link->far_key_column) + " = t.\"id\" AND " +
                     JoinScope(*link, "r", id, scope.join_params);
        scope.columns = RelationColumns(metadata, entity, *link);
      } else {
        scope.condition = "t." + QuoteIdentifier(ToSnakeCase(link->foreign + "Id")) + " = ?";
        scope.condition_params = {id};
      }
      break;
    case LinkType::kHasOne:
      scope.condition = "t." + QuoteIdentifier(ToSnakeCase(link->foreign + "Id")) + " = ?";
      scope.condition_params = {id};
      break;
    case LinkType::kHasChildren:
      scope.condition = "t." + QuoteIdentifier(ToSnakeCase(link->foreign + "Type")) +
                        " = ? AND t." + QuoteIdentifier(ToSnakeCase(link->foreign + "Id")) + " = ?";
      scope.condition_params = {entity.name, id};
      break;
    case LinkType::kBelongsTo:
      scope.condition = "t.\"id\" = (SELECT " + QuoteIdentifier(ToSnakeCase(link->name + "Id")) +
                        " FROM " + QuoteIdentifier(entity.table) + " WHERE \"id\" = ?)";
      scope.condition_params = {id};
      break;
    case LinkType::kBelongsToParent:
      return Status::NotFound("Link does not exist.");
  }
  // Relation columns are always in related rows; naming them in select is allowed but changes
  // nothing.
  if (params.select && !scope.columns.empty()) {
    query::SearchParams narrowed = params;
    std::erase_if(*narrowed.select, [&scope](const std::string& name) {
      return std::any_of(scope.columns.begin(), scope.columns.end(),
                         [&name](const ListScope::Column& column) { return column.name == name; });
    });
    return records_.List(principal, other, narrowed, options, &scope);
  }
  return records_.List(principal, other, params, options, &scope);
}

void RelationService::Link(const auth::Principal& principal, const EntityDef& entity,
                           std::string id, std::string link_name, LinkSelection selection,
                           Callback<bool> done) {
  auto link = CheckRelateRequest(records_, principal, entity, id, link_name, selection.ids);
  if (!link.ok()) return done(link.status());
  if ((*link)->type == LinkType::kBelongsTo &&
      (selection.mass_relate || selection.ids.size() != 1)) {
    return done(Status::InvalidArgument("A " + link_name + " link takes exactly one id."));
  }
  RecordService& records = records_;
  records.database().SubmitWrite(
      [&records, principal, &entity, link = *link, id = std::move(id),
       selection = std::move(selection)](store::Connection& conn) -> Status {
        const metadata::Metadata& metadata = records.metadata();
        const EntityDef& other = metadata.Entity(link->entity);
        CRM_RETURN_IF_ERROR(
            CheckRecordsReachable(conn, principal, metadata, entity, id, other, selection.ids));
        std::vector<std::string> ids = selection.ids;
        if (selection.mass_relate) {
          // FindIds yields live records only.
          CRM_ASSIGN_OR_RETURN(ids, records.FindIds(conn, principal, other, *selection.mass_relate,
                                                    kMaxMassRelate, acl::Action::kEdit));
        }
        RecordWriter writer(records.reader(), conn, principal, records.clock().Now());
        if (link->type == LinkType::kBelongsTo) {
          // Setting the foreign key is an update of this record (events, version, business rules).
          return SetAttributes(writer, entity, id,
                               {{link->name + "Id", json::string(ids.front())}});
        }
        for (const auto& other_id : ids) {
          if (link->many_to_many()) {
            std::vector<SqlValue> params = {id, other_id};
            std::string columns = QuoteIdentifier(link->near_key_column) + ", " +
                                  QuoteIdentifier(link->far_key_column);
            std::vector<SqlValue> exists_params;
            const std::string scope = JoinScope(*link, "x", id, exists_params);
            for (const auto& [column, value] : link->conditions) {
              columns += ", " + QuoteIdentifier(column);
              params.emplace_back(value);
            }
            for (const auto& column : link->additional_columns) {
              columns += ", " + QuoteIdentifier(column.column);
              if (column.default_value.is_bool()) {
                params.emplace_back(std::int64_t{column.default_value.get_bool() ? 1 : 0});
              } else if (column.default_value.is_string()) {
                params.emplace_back(std::string(column.default_value.get_string()));
              } else {
                params.emplace_back(nullptr);
              }
            }
            // Linking an already linked pair leaves it (and its relation columns) as it is.
            params.insert(params.end(), exists_params.begin(), exists_params.end());
            params.emplace_back(other_id);
            CRM_RETURN_IF_ERROR(
                conn.Execute("INSERT INTO " + QuoteIdentifier(link->join_table) + " (" + columns +
                                 ") SELECT " +
                                 Placeholders(params.size() - exists_params.size() - 1) +
                                 " WHERE NOT EXISTS (SELECT 1 FROM " +
                                 QuoteIdentifier(link->join_table) + " x WHERE " + scope +
                                 " AND x." + QuoteIdentifier(link->far_key_column) + " = ?)",
                             params)
                    .TakeStatus());
          } else if (link->type == LinkType::kHasMany) {
            CRM_RETURN_IF_ERROR(
                SetAttributes(writer, other, other_id, {{link->foreign + "Id", json::string(id)}}));
          } else {
            CRM_RETURN_IF_ERROR(SetAttributes(writer, other, other_id,
                                              {{link->foreign + "Type", json::string(entity.name)},
                                               {link->foreign + "Id", json::string(id)}}));
          }
        }
        return SyncPrimaries(writer, conn, metadata, entity, *link, id, ids, true);
      },
      [done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(true);
      });
}

void RelationService::Unlink(const auth::Principal& principal, const EntityDef& entity,
                             std::string id, std::string link_name, std::vector<std::string> ids,
                             Callback<bool> done) {
  auto link = CheckRelateRequest(records_, principal, entity, id, link_name, ids);
  if (!link.ok()) return done(link.status());
  RecordService& records = records_;
  records.database().SubmitWrite(
      [&records, principal, &entity, link = *link, id = std::move(id),
       ids = std::move(ids)](store::Connection& conn) -> Status {
        const metadata::Metadata& metadata = records.metadata();
        const EntityDef& other = metadata.Entity(link->entity);
        CRM_RETURN_IF_ERROR(
            CheckRecordsReachable(conn, principal, metadata, entity, id, other, ids));
        RecordWriter writer(records.reader(), conn, principal, records.clock().Now());
        if (link->type == LinkType::kBelongsTo) {
          CRM_ASSIGN_OR_RETURN(const auto current,
                               ReadColumn(conn, entity, id, ToSnakeCase(link->name + "Id")));
          if (!current || std::find(ids.begin(), ids.end(), *current) == ids.end()) return {};
          return SetAttributes(writer, entity, id, {{link->name + "Id", nullptr}});
        }
        for (const auto& other_id : ids) {
          if (link->many_to_many()) {
            std::vector<SqlValue> params;
            const std::string scope =
                JoinScope(*link, QuoteIdentifier(link->join_table), id, params);
            params.emplace_back(other_id);
            CRM_RETURN_IF_ERROR(conn.Execute("DELETE FROM " + QuoteIdentifier(link->join_table) +
                                                 " WHERE " + scope + " AND " +
                                                 QuoteIdentifier(link->far_key_column) + " = ?",
                                             params)
                                    .TakeStatus());
            continue;
          }
          // Only a record that points here is released.
          const std::string key = link->foreign + "Id";
          CRM_ASSIGN_OR_RETURN(const auto current,
                               ReadColumn(conn, other, other_id, ToSnakeCase(key)));
          if (!current || *current != id) continue;
          if (link->type == LinkType::kHasMany) {
            CRM_RETURN_IF_ERROR(SetAttributes(writer, other, other_id, {{key, nullptr}}));
          } else {
            CRM_ASSIGN_OR_RETURN(const auto type, ReadColumn(conn, other, other_id,
                                                             ToSnakeCase(link->foreign + "Type")));
            if (!type || *type != entity.name) continue;
            CRM_RETURN_IF_ERROR(SetAttributes(writer, other, other_id,
                                              {{link->foreign + "Type", nullptr}, {key, nullptr}}));
          }
        }
        return SyncPrimaries(writer, conn, metadata, entity, *link, id, ids, false);
      },
      [done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(true);
      });
}

query::SqlFragment RelationService::ActivitiesQuery(const auth::Principal& principal,
                                                    const metadata::Metadata& metadata,
                                                    const EntityDef& entity, const std::string& id,
                                                    bool history) {
  // One SELECT per activity type, UNION ALL-ed; the caller orders them by date.
  query::SqlFragment out;
  for (const char* type : {"Call", "Meeting", "Task"}) {
    const EntityDef* activity = metadata.FindEntity(type);
    if (activity == nullptr ||
        !CheckScope(principal, metadata, *activity, acl::Action::kRead).ok()) {
      continue;
    }
    const bool task = activity->name == "Task";
    // The ids of the activities that belong to the record, one indexed SELECT per way of
    // belonging, UNION-ed so that one reached in two ways (its parent and its account) counts
    // once. They drive the query: the CROSS JOIN makes SQLite (which has no statistics) look each
    // id up by primary key rather than walk a status index, whose held statuses are half the
    // table (0.4-0.75 s for an Account's history at 1M contacts, against under 10 ms this way).
    // PostgreSQL plans a CROSS JOIN with a WHERE as any inner join.
    const std::string table = QuoteIdentifier(activity->table);
    std::string ids = "SELECT s.\"id\" AS \"id\" FROM " + table +
                      " s WHERE s.\"deleted\" = 0 AND s.\"parent_id\" = ? AND "
                      "s.\"parent_type\" = ?";
    out.params.emplace_back(id);
    out.params.emplace_back(entity.name);
    if (entity.name == "Account" && activity->FindAttribute("accountId") != nullptr) {
      ids += " UNION SELECT s.\"id\" FROM " + table +
             " s WHERE s.\"deleted\" = 0 AND s.\"account_id\" = ?";
      out.params.emplace_back(id);
    }
    for (const auto& link : entity.links) {
      if (link.entity != activity->name || !link.many_to_many()) continue;
      std::vector<SqlValue> join_params;
      ids += " UNION SELECT r." + QuoteIdentifier(link.far_key_column) + " FROM " +
             QuoteIdentifier(link.join_table) + " r WHERE " + JoinScope(link, "r", id, join_params);
      out.params.insert(out.params.end(), join_params.begin(), join_params.end());
    }
    std::string status;
    if (task) {
      status = history ? "t.\"status\" IN ('Completed', 'Canceled')"
                       : "t.\"status\" NOT IN ('Completed', 'Canceled', 'Deferred')";
    } else {
      status = history ? "t.\"status\" IN ('Held', 'Not Held')" : "t.\"status\" = 'Planned'";
    }
    // Only the activities the principal may read, in the query, so the total counts only them.
    const query::SqlFragment reachable =
        ReachableRows(principal, metadata, *activity, acl::Action::kRead);
    if (!reachable.sql.empty()) {
      status += " AND (" + reachable.sql + ")";
      out.params.insert(out.params.end(), reachable.params.begin(), reachable.params.end());
    }
    if (!out.sql.empty()) out.sql += " UNION ALL ";
    out.sql += "SELECT '" + activity->name + "' AS scope, t.\"id\" AS id, " +
               (task ? "COALESCE(t.\"date_start\", t.\"date_end\")" : "t.\"date_start\"") +
               " AS date FROM (" + ids + ") i CROSS JOIN " + table +
               " t WHERE t.\"id\" = i.\"id\" AND t.\"deleted\" = 0 AND " + status;
  }
  return out;
}

Result<ListResult> RelationService::Activities(const auth::Principal& principal,
                                               const EntityDef& entity, const std::string& id,
                                               bool history, const query::SearchParams& params) {
  CRM_RETURN_IF_ERROR(records_.CheckAccess(principal, entity, acl::Action::kRead));
  if (!IsWellFormedId(id)) return Status::InvalidArgument("Bad id '" + id + "'.");
  const std::int64_t max_size = params.max_size.value_or(kDefaultMaxSize);
  const std::int64_t offset = params.offset.value_or(0);
  if (max_size > kMaxMaxSize) {
    return Status::InvalidArgument("Max size should not exceed " + std::to_string(kMaxMaxSize) +
                                   ". Use offset and limit.");
  }
  if (max_size < 0 || offset < 0)
    return Status::InvalidArgument("maxSize and offset must not be negative.");
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, records_.database().ReadConnection());
  const metadata::Metadata& metadata = records_.metadata();
  CRM_RETURN_IF_ERROR(CheckRecord(*conn, principal, metadata, entity, id, acl::Action::kRead,
                                  "Record " + id + " does not exist."));
  const query::SqlFragment activities = ActivitiesQuery(principal, metadata, entity, id, history);
  ListResult result;
  if (activities.sql.empty()) return result;  // the principal may read no activity type
  CRM_RETURN_IF_ERROR(conn->Query("SELECT COUNT(*) FROM (" + activities.sql + ") a",
                                  activities.params, [&](const store::Row& row) {
                                    result.total = row.Int(0);
                                    return false;
                                  }));
  std::vector<SqlValue> page_params = activities.params;
  page_params.emplace_back(max_size);
  page_params.emplace_back(offset);
  std::vector<std::pair<std::string, std::string>> page;
  CRM_RETURN_IF_ERROR(conn->Query("SELECT scope, id FROM (" + activities.sql +
                                      ") a ORDER BY date DESC, id DESC LIMIT ? OFFSET ?",
                                  page_params, [&](const store::Row& row) {
                                    page.emplace_back(row.Text(0), row.Text(1));
                                    return true;
                                  }));
  const RecordReader& reader = records_.reader();
  for (const auto& [scope, activity_id] : page) {
    const EntityDef& activity = metadata.Entity(scope);
    CRM_ASSIGN_OR_RETURN(
        auto record, reader.ReadById(*conn, activity, activity_id,
                                     reader.Attributes(activity, AttributeSet::kList, principal)));
    if (!record) continue;
    record->record["_scope"] = scope;
    result.list.push_back(std::move(record->record));
  }
  return result;
}

}  // namespace crm::service
