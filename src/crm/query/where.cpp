#include "crm/query/where.hpp"

#include <utility>
#include <vector>

#include "crm/query/internal/where_ast.hpp"
#include "crm/query/internal/where_binder.hpp"
#include "crm/query/internal/where_compiler.hpp"
#include "crm/query/internal/where_parser.hpp"
#include "crm/query/projection.hpp"

namespace crm::query {
namespace {

using internal::BoundNode;
using Kind = BoundNode::Kind;

Result<BoundNode> BindArray(const boost::json::array& where, const FilterContext& context) {
  CRM_ASSIGN_OR_RETURN(const std::vector<internal::ParsedItem> parsed, internal::ParseWhere(where));
  return internal::BindWhere(parsed, context);
}

const boost::json::array* FindFilter(
    const std::vector<std::pair<std::string, boost::json::array>>& filters, std::string_view name) {
  for (const auto& [filter_name, where] : filters) {
    if (filter_name == name) return &where;
  }
  return nullptr;
}

Result<BoundNode> BindPrimaryFilter(std::string_view name, const FilterContext& context) {
  if (const boost::json::array* where = FindFilter(context.entity.primary_filters, name)) {
    return BindArray(*where, context);
  }
  if (name == "all") {
    BoundNode all;
    all.kind = Kind::kTrue;
    return all;
  }
  return Status::InvalidArgument("No primary filter " + internal::QuoteName(name) + " for '" +
                                 context.entity.name + "'.");
}

// onlyMy: records assigned to the user, or created by them where the entity has no assigned user.
std::optional<BoundNode> OnlyMy(const FilterContext& context) {
  for (const std::string_view name : {"assignedUserId", "createdById"}) {
    const metadata::AttributeDef* attribute = context.entity.FindAttribute(name);
    if (attribute == nullptr || !attribute->stored()) continue;
    BoundNode node;
    node.kind = Kind::kCompare;
    node.expr = Column(kMainAlias, attribute->column);
    node.op = internal::CompareOp::kEq;
    node.values.emplace_back(std::string(context.user_id));
    return node;
  }
  return std::nullopt;
}

Result<BoundNode> BindBoolFilter(std::string_view name, const FilterContext& context) {
  if (const boost::json::array* where = FindFilter(context.entity.bool_filters, name)) {
    return BindArray(*where, context);
  }
  if (name == "onlyMy") {
    if (auto only_my = OnlyMy(context)) return std::move(*only_my);
  }
  return Status::InvalidArgument("No bool filter " + internal::QuoteName(name) + " for '" +
                                 context.entity.name + "'.");
}

// A tree that always holds compiles to no condition at all (empty SQL), as an empty where does.
SqlFragment CompileTree(const BoundNode& node, const FilterContext& context) {
  BoundNode simple = internal::Simplify(node);
  if (simple.kind == Kind::kTrue) return SqlFragment{};
  return internal::CompileBound(simple, context.dialect);
}

}  // namespace

Result<SqlFragment> CompileWhere(const boost::json::array& where, const FilterContext& context) {
  if (where.empty()) return SqlFragment{};
  CRM_ASSIGN_OR_RETURN(const BoundNode bound, BindArray(where, context));
  return CompileTree(bound, context);
}

Result<SqlFragment> CompileFilters(const SearchParams& params, const FilterContext& context) {
  BoundNode all;
  all.kind = Kind::kAnd;
  if (!params.where.empty()) {
    CRM_ASSIGN_OR_RETURN(BoundNode where, BindArray(params.where, context));
    all.children.push_back(std::move(where));
  }
  if (params.text_filter) {
    all.children.push_back(internal::BindTextFilter(*params.text_filter, context));
  }
  if (params.primary_filter) {
    CRM_ASSIGN_OR_RETURN(BoundNode primary, BindPrimaryFilter(*params.primary_filter, context));
    all.children.push_back(std::move(primary));
  }
  if (!params.bool_filters.empty()) {
    BoundNode any;
    any.kind = Kind::kOr;
    for (const std::string& name : params.bool_filters) {
      CRM_ASSIGN_OR_RETURN(BoundNode filter, BindBoolFilter(name, context));
      any.children.push_back(std::move(filter));
    }
    all.children.push_back(std::move(any));
  }
  if (all.children.empty()) return SqlFragment{};
  return CompileTree(all, context);
}

std::optional<SqlFragment> TextFilterProbe(const SearchParams& params, const FilterContext& context,
                                           std::int64_t limit) {
  if (!params.text_filter) return std::nullopt;
  std::optional<SqlFragment> ids = internal::TextFilterIds(*params.text_filter, context);
  if (!ids) return std::nullopt;
  SqlFragment probe{"SELECT COUNT(*) FROM (" + ids->sql + " LIMIT ?)", std::move(ids->params)};
  probe.params.emplace_back(limit);
  return probe;
}

}  // namespace crm::query
