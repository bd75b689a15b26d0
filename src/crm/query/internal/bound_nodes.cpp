#include "crm/query/internal/bound_nodes.hpp"

#include <algorithm>

#include "crm/query/projection.hpp"
#include "crm/query/sql.hpp"

namespace crm::query::internal {

using Kind = BoundNode::Kind;

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

BoundNode Constant(bool value) {
  BoundNode node;
  node.kind = value ? Kind::kTrue : Kind::kFalse;
  return node;
}

BoundNode Group(Kind kind, std::vector<BoundNode> children) {
  BoundNode node;
  node.kind = kind;
  node.children = std::move(children);
  return node;
}

BoundNode Compare(const std::string& expr, CompareOp op, SqlValue value) {
  BoundNode node;
  node.kind = Kind::kCompare;
  node.expr = expr;
  node.op = op;
  node.values.push_back(std::move(value));
  return node;
}

BoundNode In(const std::string& expr, std::vector<SqlValue> values, bool negated) {
  if (values.empty()) return Constant(negated);
  BoundNode node;
  node.kind = Kind::kIn;
  node.expr = expr;
  node.values = std::move(values);
  node.negated = negated;
  return node;
}

BoundNode Like(const std::string& expr, std::string pattern, bool negated) {
  BoundNode node;
  node.kind = Kind::kLike;
  node.expr = expr;
  node.values.emplace_back(std::move(pattern));
  node.negated = negated;
  return node;
}

BoundNode IsNull(const std::string& expr, bool negated) {
  BoundNode node;
  node.kind = Kind::kIsNull;
  node.expr = expr;
  node.negated = negated;
  return node;
}

BoundNode Raw(std::string sql, std::vector<SqlValue> params) {
  BoundNode node;
  node.kind = Kind::kRaw;
  node.sql = std::move(sql);
  node.params = std::move(params);
  return node;
}

BoundNode LookupExists(std::string_view table, const metadata::EntityDef& entity, BoundNode inner,
                       bool negated) {
  BoundNode node;
  node.kind = Kind::kExists;
  node.sql = QuoteIdentifier(table) +
             " e WHERE e.\"entity_type\" = ? AND e.\"entity_id\" = " + Column(kMainAlias, "id");
  node.params.emplace_back(entity.name);
  node.children.push_back(std::move(inner));
  node.negated = negated;
  return node;
}

void AppendUnique(std::string value, std::unordered_set<std::string>& seen,
                  std::vector<SqlValue>& values) {
  if (seen.insert(value).second) values.emplace_back(std::move(value));
}

std::string Placeholders(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

std::string EscapeLike(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (const char c : text) {
    if (c == '\\' || c == '%' || c == '_') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string UserLikePattern(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    out.push_back(text[i]);
    if (text[i] == '\\') {
      if (i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else {
        out.push_back('\\');
      }
    }
  }
  return out;
}

std::size_t CodePoints(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace crm::query::internal
