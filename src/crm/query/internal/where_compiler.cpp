#include "crm/query/internal/where_compiler.hpp"

#include <string>
#include <utility>

namespace crm::query::internal {
namespace {

using Kind = BoundNode::Kind;

std::string_view OperatorText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "<>";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
  }
  return "=";
}

void AppendValues(const std::vector<SqlValue>& values, SqlFragment& out) {
  for (std::size_t i = 0; i < values.size(); ++i) out.sql += i == 0 ? "?" : ", ?";
  out.params.insert(out.params.end(), values.begin(), values.end());
}

// The rows of a JSON array column as a table `a` with a text column `value`.
std::string ArrayElements(const std::string& expr, Dialect dialect) {
  if (dialect == Dialect::kPostgres) {
    return "jsonb_array_elements_text(CAST(" + expr + " AS jsonb)) AS a(value)";
  }
  return "json_each(" + expr + ") AS a";
}

void Compile(const BoundNode& node, Dialect dialect, bool nested, SqlFragment& out) {
  switch (node.kind) {
    case Kind::kTrue:
      out.sql += "1 = 1";
      return;
    case Kind::kFalse:
      out.sql += "1 = 0";
      return;
    case Kind::kAnd:
    case Kind::kOr: {
      // A top-level OR is parenthesised too, so that a caller may append the fragment after AND.
      const bool parenthesise = (nested || node.kind == Kind::kOr) && node.children.size() > 1;
      if (parenthesise) out.sql += "(";
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        if (i != 0) out.sql += node.kind == Kind::kAnd ? " AND " : " OR ";
        Compile(node.children[i], dialect, true, out);
      }
      if (parenthesise) out.sql += ")";
      return;
    }
    case Kind::kCompare:
      if (node.nocase_indexed && dialect == Dialect::kSqlite) {
        out.sql += "(" + node.expr + " = ? COLLATE NOCASE AND " + node.expr + " = ?)";
        out.params.push_back(node.values[0]);
        out.params.push_back(node.values[0]);
        return;
      }
      out.sql += node.expr + " " + std::string(OperatorText(node.op)) + " ?";
      out.params.push_back(node.values[0]);
      return;
    case Kind::kIn:
      if (node.values.size() == 1) {
        out.sql += node.expr + (node.negated ? " <> ?" : " = ?");
        out.params.push_back(node.values[0]);
        return;
      }
      out.sql += node.expr + (node.negated ? " NOT IN (" : " IN (");
      AppendValues(node.values, out);
      out.sql += ")";
      return;
    case Kind::kLike: {
      const char* like = dialect == Dialect::kPostgres ? "ILIKE" : "LIKE";
      out.sql += node.expr + (node.negated ? " NOT " : " ") + like + " ? ESCAPE '\\'";
      out.params.push_back(node.values[0]);
      return;
    }
    case Kind::kIsNull:
      out.sql += node.expr + (node.negated ? " IS NOT NULL" : " IS NULL");
      return;
    case Kind::kArray: {
      const std::string elements = ArrayElements(node.expr, dialect);
      if (node.array_mode == ArrayMode::kAllOf) {
        out.sql += "(SELECT COUNT(DISTINCT a.value) FROM " + elements + " WHERE a.value IN (";
        AppendValues(node.values, out);
        out.sql += ")) = ?";
        out.params.emplace_back(static_cast<std::int64_t>(node.values.size()));
        return;
      }
      out.sql += node.array_mode == ArrayMode::kNoneOf ? "NOT EXISTS (" : "EXISTS (";
      out.sql += "SELECT 1 FROM " + elements + " WHERE a.value IN (";
      AppendValues(node.values, out);
      out.sql += "))";
      return;
    }
    case Kind::kArrayEmpty:
      out.sql += (node.negated ? "EXISTS (SELECT 1 FROM " : "NOT EXISTS (SELECT 1 FROM ") +
                 ArrayElements(node.expr, dialect) + ")";
      return;
    case Kind::kExists:
      out.sql += (node.negated ? "NOT EXISTS (SELECT 1 FROM " : "EXISTS (SELECT 1 FROM ") +
                 node.sql + " AND ";
      out.params.insert(out.params.end(), node.params.begin(), node.params.end());
      Compile(node.children[0], dialect, true, out);
      out.sql += ")";
      return;
    case Kind::kRaw:
      out.sql += node.sql;
      out.params.insert(out.params.end(), node.params.begin(), node.params.end());
      return;
  }
}

}  // namespace

BoundNode Simplify(BoundNode node) {
  if (node.kind == Kind::kExists) {
    node.children[0] = Simplify(std::move(node.children[0]));
    const Kind inner = node.children[0].kind;
    // EXISTS (... AND false) is false; EXISTS (... AND true) still depends on the rows, so it
    // stays.
    if (inner == Kind::kFalse) {
      BoundNode constant;
      constant.kind = node.negated ? Kind::kTrue : Kind::kFalse;
      return constant;
    }
    return node;
  }
  if (node.kind != Kind::kAnd && node.kind != Kind::kOr) return node;
  const bool is_and = node.kind == Kind::kAnd;
  const Kind absorbing = is_and ? Kind::kFalse : Kind::kTrue;  // settles the group
  const Kind neutral = is_and ? Kind::kTrue : Kind::kFalse;    // can be dropped
  std::vector<BoundNode> children;
  children.reserve(node.children.size());
  for (BoundNode& child : node.children) {
    BoundNode simple = Simplify(std::move(child));
    if (simple.kind == absorbing) return simple;
    if (simple.kind == neutral) continue;
    if (simple.kind == node.kind) {
      for (BoundNode& grandchild : simple.children) children.push_back(std::move(grandchild));
    } else {
      children.push_back(std::move(simple));
    }
  }
  if (children.empty()) {
    BoundNode constant;
    constant.kind = neutral;
    return constant;
  }
  if (children.size() == 1) return std::move(children[0]);
  node.children = std::move(children);
  return node;
}

SqlFragment CompileBound(const BoundNode& node, Dialect dialect) {
  SqlFragment out;
  Compile(Simplify(node), dialect, false, out);
  return out;
}

}  // namespace crm::query::internal
