// EntityBuilder: one entity's model (entity_def.hpp) from its merged JSON definition: links,
// fields, the attributes each field expands to, collection settings, indexes and filters. It checks
// what a definition says about itself; what entities say about each other is checked by
// Metadata::Load.
//
// Thread-safety: pure functions.
#ifndef CRM_METADATA_ENTITY_BUILDER_HPP_
#define CRM_METADATA_ENTITY_BUILDER_HPP_

#include <string>

#include <boost/json/object.hpp>

#include "crm/common/status.hpp"
#include "crm/metadata/entity_def.hpp"

namespace crm::metadata {

// The model of entity `name` defined by `def`; kInvalidArgument naming the entity and the problem.
Result<EntityDef> BuildEntity(std::string name, const boost::json::object& def);

// kInvalidArgument "metadata <entity>: <what>", the error of every bad definition.
Status BadDefinition(const std::string& entity, const std::string& what);

}  // namespace crm::metadata

#endif  // CRM_METADATA_ENTITY_BUILDER_HPP_
