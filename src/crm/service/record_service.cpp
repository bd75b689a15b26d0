#include "crm/service/record_service.hpp"

#include <algorithm>
#include <array>

#include "crm/common/ids.hpp"
#include "crm/common/json.hpp"
#include "crm/query/projection.hpp"
#include "crm/query/where.hpp"
#include "crm/service/access_rules.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_writer.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::AttributeKind;
using metadata::EntityDef;
using metadata::FieldType;

// Names the seed document uses in `select` for EspoCRM's attributes.
std::string_view SelectAlias(std::string_view name) {
  if (name == "email") return "emailAddress";
  if (name == "phone") return "phoneNumber";
  return name;
}

bool Readable(const EntityDef& entity, const AttributeDef& attribute,
              const auth::Principal& principal) {
  if (attribute.internal || (attribute.sensitive && !principal.is_admin())) return false;
  return attribute.field < 0 || MayReadField(principal, entity, entity.FieldOf(attribute));
}

// The attributes a list returns for `select`: the requested ones plus what EspoCRM always adds (id,
// the names of selected links, the order attribute, createdById/assignedUserId), in metadata order.
Result<std::vector<int>> SelectedAttributes(const EntityDef& entity,
                                            const std::vector<std::string>& select,
                                            const std::string& order_by,
                                            const auth::Principal& principal) {
  std::vector<bool> chosen(entity.attributes.size(), false);
  const auto choose = [&](std::string_view name) {
    const int index = entity.AttributeIndex(name);
    if (index >= 0 &&
        Readable(entity, entity.attributes[static_cast<std::size_t>(index)], principal)) {
      chosen[static_cast<std::size_t>(index)] = true;
    }
  };
  for (const auto& raw : select) {
    const std::string_view name = SelectAlias(raw);
    const int index = entity.AttributeIndex(name);
    if (index < 0 ||
        !Readable(entity, entity.attributes[static_cast<std::size_t>(index)], principal)) {
      // A field name selects the field's attributes (select=account gives accountId and
      // accountName).
      const auto* field = entity.FindField(name);
      if (field == nullptr || field->internal || field->attributes.empty() ||
          !MayReadField(principal, entity, *field)) {
        return Status::InvalidArgument("Unknown attribute '" + std::string(raw) + "' in select.");
      }
      for (const int a : field->attributes)
        choose(entity.attributes[static_cast<std::size_t>(a)].name);
      continue;
    }
    chosen[static_cast<std::size_t>(index)] = true;
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    if (attribute.field >= 0) {
      const auto& field = entity.FieldOf(attribute);
      if (field.type == FieldType::kLink || field.type == FieldType::kLinkParent) {
        for (const int a : field.attributes)
          choose(entity.attributes[static_cast<std::size_t>(a)].name);
      }
      if (entity.person && (name == "firstName" || name == "lastName")) choose("name");
    }
  }
  for (const auto& name : entity.mandatory_attributes) choose(name);
  choose("id");
  choose(order_by);
  // Ordering by a person's name orders by its parts, and EspoCRM then returns them (captures 24
  // and 35); selecting the name alone does not (capture 21).
  if (entity.person && order_by == "name") {
    for (const char* part : {"salutationName", "firstName", "lastName", "middleName"}) choose(part);
  }
  choose("createdById");
  choose("assignedUserId");
  std::vector<int> out;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    if (chosen[i]) out.push_back(static_cast<int>(i));
  }
  return out;
}

Result<std::string> OrderClause(const metadata::Metadata& metadata, const EntityDef& entity,
                                const std::string& order_by, bool desc,
                                const auth::Principal& principal, query::Dialect dialect) {
  const std::string direction = query::OrderDirection(dialect, desc);
  const AttributeDef* attribute = entity.FindAttribute(order_by);
  if (attribute == nullptr) {
    // Ordering by a link field orders by the linked record's name, as EspoCRM does.
    const auto* field = entity.FindField(order_by);
    if (field != nullptr &&
        (field->type == FieldType::kLink || field->type == FieldType::kLinkParent)) {
      attribute = entity.FindAttribute(order_by + "Name");
    } else if (field != nullptr && !field->attributes.empty()) {
      attribute = &entity.attributes[static_cast<std::size_t>(field->attributes.front())];
    }
  }
  if (attribute == nullptr || !Readable(entity, *attribute, principal) ||
      !query::IsSqlAttribute(*attribute) || attribute->type == metadata::ValueType::kJson ||
      attribute->type == metadata::ValueType::kObject) {
    return Status::InvalidArgument("Unknown attribute '" + order_by + "' in orderBy.");
  }
  std::string clause;
  if (attribute->kind == AttributeKind::kPersonName) {
    clause = "t.\"first_name\"" + direction + ", t.\"last_name\"" + direction;
  } else {
    clause = *query::AttributeExpression(metadata, entity, *attribute) + direction;
  }
  // A stable order across pages: ties broken by id, which every index holds after its columns
  // (store/schema.cpp), so an index gives the whole order without a sort.
  return clause + ", t.\"id\"" + direction;
}

}  // namespace

query::FilterContext RecordService::FilterContextFor(const auth::Principal& principal,
                                                     const EntityDef& entity) const {
  query::FilterContext context{*metadata_, entity, db_.dialect(), clock_.Now(), principal.id};
  // Only admins see sensitive attributes, so only they may filter on them.
  context.allow_sensitive = principal.is_admin();
  if (!principal.is_admin() && principal.access && principal.access->HasFieldLimits(entity.name)) {
    context.field_readable = [&principal, &entity](const metadata::FieldDef& field) {
      return MayReadField(principal, entity, field);
    };
  }
  return context;
}

Result<query::SqlFragment> RecordService::CompileFilters(const auth::Principal& principal,
                                                         const EntityDef& entity,
                                                         const query::SearchParams& params,
                                                         bool text_filter_by_index) const {
  query::FilterContext context = FilterContextFor(principal, entity);
  context.text_filter_by_index = text_filter_by_index;
  return query::CompileFilters(params, context);
}

Result<bool> RecordService::FewTextMatches(store::Connection& conn,
                                           const auth::Principal& principal,
                                           const EntityDef& entity,
                                           const query::SearchParams& params) const {
  // Up to this many ids from the text-filter indexes, reading and sorting their rows (a few ms)
  // beats walking the list's order until a page of rows passes the per-row test; past it, matches
  // are common enough that the walk stops early (at 1M contacts a search matching nothing took 2 s
  // in the walk and 2.5 ms through the indexes, prefix "a" about 2 ms in the walk;
  // docs/performance.md).
  constexpr std::int64_t kFewMatches = 2000;
  const std::optional<query::SqlFragment> probe =
      query::TextFilterProbe(params, FilterContextFor(principal, entity), kFewMatches);
  if (!probe) return false;
  std::int64_t found = 0;
  CRM_RETURN_IF_ERROR(conn.Query(*probe, [&](const store::Row& row) {
    found = row.Int(0);
    return false;
  }));
  return found < kFewMatches;
}

RecordService::RecordService(std::shared_ptr<const metadata::Metadata> metadata,
                             store::Database& db, const Clock& clock,
                             const auth::SecretBox* secrets)
    : metadata_(std::move(metadata)),
      db_(db),
      clock_(clock),
      secrets_(secrets),
      reader_(*metadata_, db.dialect()) {}

Status RecordService::CheckAccess(const auth::Principal& principal, const EntityDef& entity,
                                  acl::Action action) const {
  return CheckScope(principal, *metadata_, entity, action);
}

Result<store::Connection*> RecordService::ConnectionToRead(const auth::Principal& principal,
                                                           const EntityDef& entity,
                                                           std::string_view id) {
  CRM_RETURN_IF_ERROR(CheckAccess(principal, entity, acl::Action::kRead));
  if (!IsWellFormedId(id)) return Status::InvalidArgument("Bad id '" + std::string(id) + "'.");
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db_.ReadConnection());
  CRM_RETURN_IF_ERROR(CheckReach(*conn, principal, *metadata_, entity, id, acl::Action::kRead,
                                 "Record " + std::string(id) + " does not exist."));
  return conn;
}

Result<RecordJson> RecordService::ReadJson(const auth::Principal& principal,
                                           const EntityDef& entity, std::string_view id) {
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, ConnectionToRead(principal, entity, id));
  std::vector<int> narrowed;
  CRM_ASSIGN_OR_RETURN(
      auto stored,
      reader_.ReadByIdJson(*conn, entity, id, reader_.FullAttributes(entity, principal, narrowed)));
  if (!stored) return Status::NotFound("Record " + std::string(id) + " does not exist.");
  return RecordJson{std::move(stored->json), stored->version};
}

Result<RecordResult> RecordService::Read(const auth::Principal& principal, const EntityDef& entity,
                                         std::string_view id) {
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, ConnectionToRead(principal, entity, id));
  std::vector<int> narrowed;
  CRM_ASSIGN_OR_RETURN(
      auto stored,
      reader_.ReadById(*conn, entity, id, reader_.FullAttributes(entity, principal, narrowed)));
  if (!stored) return Status::NotFound("Record " + std::string(id) + " does not exist.");
  return RecordResult{std::move(stored->record), stored->version};
}

namespace {

struct Page {
  std::int64_t max_size = 0;
  std::int64_t offset = 0;
};

// maxSize and offset, with EspoCRM's limits and errors.
Result<Page> PageOf(const query::SearchParams& params) {
  const std::int64_t max_size = params.max_size.value_or(kDefaultMaxSize);
  if (max_size > kMaxMaxSize) {
    return Status::InvalidArgument("Max size should not exceed " + std::to_string(kMaxMaxSize) +
                                   ". Use offset and limit.");
  }
  if (max_size < 0) return Status::InvalidArgument("maxSize must not be negative.");
  const std::int64_t offset = params.offset.value_or(0);
  if (offset < 0) return Status::InvalidArgument("offset must not be negative.");
  return Page{max_size, offset};
}

// " WHERE ..." over live rows, the rows the principal reaches (`reachable`, empty for all), the
// scope's condition and the compiled filters.
query::SqlFragment WhereClause(const query::SqlFragment& reachable, const ListScope* scope,
                               const query::SqlFragment& filter) {
  query::SqlFragment where;
  where.sql = " WHERE t.\"deleted\" = 0";
  if (!reachable.sql.empty()) {
    where.sql += " AND " + reachable.sql;
    where.params.insert(where.params.end(), reachable.params.begin(), reachable.params.end());
  }
  if (scope != nullptr && !scope->condition.empty()) {
    where.sql += " AND " + scope->condition;
    where.params.insert(where.params.end(), scope->condition_params.begin(),
                        scope->condition_params.end());
  }
  if (!filter.sql.empty()) {
    where.sql += " AND (" + filter.sql + ")";
    where.params.insert(where.params.end(), filter.params.begin(), filter.params.end());
  }
  return where;
}

// Reads the scope's relation columns (selected after the record's own) into each record; none
// when the scope has no columns.
RecordReader::ExtraColumns RelationColumnsOf(const ListScope* scope) {
  if (scope == nullptr || scope->columns.empty()) return {};
  return [scope](const store::Row& row, int first, json::object& record) {
    int index = first;
    for (const auto& column : scope->columns) {
      if (row.IsNull(index)) {
        record[column.name] =
            column.type == metadata::ValueType::kBool ? json::value(false) : json::value();
      } else if (column.type == metadata::ValueType::kBool) {
        record[column.name] = row.Int(index) != 0;
      } else if (column.type == metadata::ValueType::kInt) {
        record[column.name] = row.Int(index);
      } else {
        record[column.name] = json::string_view(row.Text(index));
      }
      ++index;
    }
  };
}

}  // namespace

Result<RecordService::ListQuery> RecordService::PrepareList(
    store::Connection& conn, const auth::Principal& principal, const EntityDef& entity,
    const query::SearchParams& params, ListOptions options, const ListScope* scope) const {
  CRM_RETURN_IF_ERROR(CheckAccess(principal, entity, acl::Action::kRead));
  CRM_ASSIGN_OR_RETURN(const Page page, PageOf(params));

  const std::string order_by = params.order_by.value_or(entity.order_by);
  const bool desc = params.order_desc.value_or(params.order_by ? false : entity.order_desc);
  CRM_ASSIGN_OR_RETURN(const std::string order,
                       OrderClause(*metadata_, entity, order_by, desc, principal, db_.dialect()));

  ListQuery query;
  query.max_size = page.max_size;
  if (params.select) {
    CRM_ASSIGN_OR_RETURN(query.attributes,
                         SelectedAttributes(entity, *params.select, order_by, principal));
  } else {
    query.attributes = reader_.Attributes(entity, AttributeSet::kList, principal);
  }

  CRM_ASSIGN_OR_RETURN(const bool rows_by_index, FewTextMatches(conn, principal, entity, params));
  CRM_ASSIGN_OR_RETURN(const query::SqlFragment filter,
                       CompileFilters(principal, entity, params, rows_by_index));
  const query::SqlFragment reachable =
      ReachableRows(principal, *metadata_, entity, acl::Action::kRead);
  const query::SqlFragment where = WhereClause(reachable, scope, filter);
  // The FROM clause with the scope's join; its parameters come before the WHERE clause's.
  std::string from_join;
  std::vector<query::SqlValue> params_before_where;
  std::vector<std::string> extra;
  if (scope != nullptr) {
    from_join = scope->join;
    params_before_where = scope->join_params;
    for (const auto& column : scope->columns) extra.push_back(column.expression);
  }

  query.count_total = options.count_total && !params.quick_search;
  query.projection =
      query::BuildProjection(*metadata_, entity, db_.dialect(), query.attributes, extra);
  query.select.sql = query.projection.select_from + from_join + where.sql + " ORDER BY " + order +
                     " LIMIT ? OFFSET ?";
  query.select.params = params_before_where;
  query.select.params.insert(query.select.params.end(), where.params.begin(), where.params.end());
  // Without a total, one row more than the page tells whether more records exist.
  query.select.params.emplace_back(query.count_total ? page.max_size : page.max_size + 1);
  query.select.params.emplace_back(page.offset);

  if (query.count_total) {
    // A count visits every match whatever the order, so it takes the text filter's indexed form
    // whenever there is one.
    query::SqlFragment count_where = where;
    if (!rows_by_index && params.text_filter) {
      CRM_ASSIGN_OR_RETURN(const query::SqlFragment count_filter,
                           CompileFilters(principal, entity, params, true));
      count_where = WhereClause(reachable, scope, count_filter);
    }
    query.count.sql = "SELECT COUNT(*) FROM " + query::QuoteIdentifier(entity.table) + " t" +
                      from_join + count_where.sql;
    query.count.params = params_before_where;
    query.count.params.insert(query.count.params.end(), count_where.params.begin(),
                              count_where.params.end());
  }
  return query;
}

Status RecordService::CountTotal(store::Connection& conn, const ListQuery& query,
                                 std::int64_t& total) const {
  return conn.Query(query.count, [&](const store::Row& row) {
    total = row.Int(0);
    return false;
  });
}

Result<ListResult> RecordService::List(const auth::Principal& principal, const EntityDef& entity,
                                       const query::SearchParams& params, ListOptions options,
                                       const ListScope* scope) {
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db_.ReadConnection());
  CRM_ASSIGN_OR_RETURN(const ListQuery query,
                       PrepareList(*conn, principal, entity, params, options, scope));
  ListResult result;
  CRM_RETURN_IF_ERROR(reader_.ReadRows(*conn, entity, query.select.sql, query.select.params,
                                       query.projection, query.attributes, result.list,
                                       RelationColumnsOf(scope)));
  if (query.count_total) {
    CRM_RETURN_IF_ERROR(CountTotal(*conn, query, result.total));
  } else {
    const bool more = static_cast<std::int64_t>(result.list.size()) > query.max_size;
    if (more) result.list.pop_back();
    result.total = more ? -1 : -2;
  }
  return result;
}

Result<std::string> RecordService::ListJson(const auth::Principal& principal,
                                            const EntityDef& entity,
                                            const query::SearchParams& params,
                                            ListOptions options) {
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db_.ReadConnection());
  CRM_ASSIGN_OR_RETURN(const ListQuery query,
                       PrepareList(*conn, principal, entity, params, options, nullptr));
  std::string rows;
  std::int64_t count = 0;
  CRM_RETURN_IF_ERROR(reader_.ShapeRows(
      *conn, entity, query.select.sql, query.select.params, query.projection, query.attributes,
      [&](const store::Row&, const RecordReader::RecordValues& values) {
        // The row past the page (asked for without a total) only tells that more exist.
        if (count++ == query.max_size) return false;
        if (!rows.empty()) rows.push_back(',');
        reader_.AppendRecordJson(entity, query.attributes, values, rows);
        return true;
      }));
  std::int64_t total = 0;
  if (query.count_total) {
    CRM_RETURN_IF_ERROR(CountTotal(*conn, query, total));
  } else {
    total = count > query.max_size ? -1 : -2;
  }
  // As SerializeJson writes {"total": total, "list": [records]}.
  std::string json = "{\"total\":";
  AppendJson(total, json);
  json += ",\"list\":[";
  json.reserve(json.size() + rows.size() + 2);
  json += rows;
  json += "]}";
  return json;
}

Result<std::vector<std::string>> RecordService::FindIds(store::Connection& conn,
                                                        const auth::Principal& principal,
                                                        const EntityDef& entity,
                                                        const query::SearchParams& params,
                                                        std::size_t limit, acl::Action action) {
  CRM_ASSIGN_OR_RETURN(query::SqlFragment filter, CompileFilters(principal, entity, params));
  query::SqlFragment select;
  const query::SqlFragment where =
      WhereClause(ReachableRows(principal, *metadata_, entity, action), nullptr, filter);
  select.sql = "SELECT t.\"id\" FROM " + query::QuoteIdentifier(entity.table) + " t" + where.sql +
               " ORDER BY t.\"id\" LIMIT ?";
  select.params = where.params;
  select.params.emplace_back(static_cast<std::int64_t>(limit));
  std::vector<std::string> ids;
  CRM_RETURN_IF_ERROR(conn.Query(select, [&](const store::Row& row) {
    ids.emplace_back(row.Text(0));
    return true;
  }));
  return ids;
}

void RecordService::Create(const auth::Principal& principal, const EntityDef& entity,
                           json::object body, WriteOptions options, Callback<RecordResult> done) {
  if (Status s = CheckAccess(principal, entity, acl::Action::kCreate); !s.ok())
    return done(std::move(s));
  DropUneditableFields(principal, entity, body);
  if (input_check_) {
    if (Status s = input_check_(entity, body, WriteMode::kCreate); !s.ok())
      return done(std::move(s));
  }
  auto input = ParseRecordInput(entity, body, WriteMode::kCreate);
  if (!input.ok()) return done(std::move(input).TakeStatus());
  SubmitRecordWrite(
      principal,
      [&entity, input = std::move(input).value(), options](RecordWriter& writer) mutable {
        return writer.Create(entity, std::move(input), options);
      },
      std::move(done));
}

void RecordService::Update(const auth::Principal& principal, const EntityDef& entity,
                           std::string id, json::object body, WriteOptions options,
                           Callback<RecordResult> done) {
  if (Status s = CheckAccess(principal, entity, acl::Action::kEdit); !s.ok())
    return done(std::move(s));
  if (!IsWellFormedId(id)) return done(Status::InvalidArgument("Bad id '" + id + "'."));
  DropUneditableFields(principal, entity, body);
  if (input_check_) {
    if (Status s = input_check_(entity, body, WriteMode::kUpdate); !s.ok())
      return done(std::move(s));
  }
  auto input = ParseRecordInput(entity, body, WriteMode::kUpdate);
  if (!input.ok()) return done(std::move(input).TakeStatus());
  SubmitRecordWrite(
      principal,
      [this, &entity, principal, id = std::move(id), input = std::move(input).value(),
       options](RecordWriter& writer) mutable -> Result<RecordResult> {
        CRM_RETURN_IF_ERROR(CheckReach(writer.connection(), principal, *metadata_, entity, id,
                                       acl::Action::kEdit, "Record " + id + " not found."));
        return writer.Update(entity, id, std::move(input), options);
      },
      std::move(done));
}

void RecordService::SubmitRecordWrite(const auth::Principal& principal,
                                      std::function<Result<RecordResult>(RecordWriter&)> write,
                                      Callback<RecordResult> done) {
  // The job's result travels to the completion through this cell: the database reports only the
  // job's status, and the record is handed out only once the commit succeeded.
  auto result = std::make_shared<Result<RecordResult>>(Status::Internal("write did not run"));
  db_.SubmitWrite(
      [this, principal, write = std::move(write), result](store::Connection& conn) mutable {
        RecordWriter writer(reader_, conn, principal, clock_.Now(), secrets_);
        *result = write(writer);
        return result->status();
      },
      [result, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*result));
      });
}

void RecordService::Delete(const auth::Principal& principal, const EntityDef& entity,
                           std::string id, WriteOptions options, Callback<bool> done) {
  if (Status s = CheckAccess(principal, entity, acl::Action::kDelete); !s.ok())
    return done(std::move(s));
  if (!IsWellFormedId(id)) return done(Status::InvalidArgument("Bad id '" + id + "'."));
  db_.SubmitWrite(
      [this, principal, &entity, id = std::move(id), options](store::Connection& conn) {
        CRM_RETURN_IF_ERROR(CheckReach(conn, principal, *metadata_, entity, id,
                                       acl::Action::kDelete, "Record " + id + " not found."));
        RecordWriter writer(reader_, conn, principal, clock_.Now());
        return writer.Delete(entity, id, options);
      },
      [done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(true);
      });
}

}  // namespace crm::service
