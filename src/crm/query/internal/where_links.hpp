// The link item types of where filters (linkedWith, notLinkedWith, linkedWithAll, isLinked,
// isNotLinked): a belongsTo link compares its foreign key; the other links become sub-queries over
// the related records (the join table of a many-to-many link, the other table's foreign key
// otherwise).
//
// Thread-safety: pure functions of immutable metadata.
#ifndef CRM_QUERY_INTERNAL_WHERE_LINKS_HPP_
#define CRM_QUERY_INTERNAL_WHERE_LINKS_HPP_

#include "crm/common/status.hpp"
#include "crm/query/internal/where_ast.hpp"
#include "crm/query/where.hpp"

namespace crm::query::internal {

// Binds a link-type `item`; its attribute names the link or the link's id attribute (accountId,
// teamsIds). kInvalidArgument for an unknown link or a value that is not an id.
Result<BoundNode> BindLink(const ParsedItem& item, const FilterContext& context);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_WHERE_LINKS_HPP_
