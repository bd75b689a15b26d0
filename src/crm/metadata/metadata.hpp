// Metadata: the set of entity definitions crmd serves, loaded from the JSON files compiled into the
// binary (metadata/entityDefs/*.json) and, optionally, from a directory that adds entities or
// overrides keys of shipped ones. Loading checks the whole set (field types, link targets, both
// sides of every many-to-many link) so that a bad definition stops start-up instead of surfacing as
// a 500 later.
//
// Thread-safety: immutable once loaded; share through std::shared_ptr<const Metadata>.
#ifndef CRM_METADATA_METADATA_HPP_
#define CRM_METADATA_METADATA_HPP_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "crm/common/status.hpp"
#include "crm/metadata/entity_def.hpp"

namespace crm::metadata {

struct EntityDefSource {
  std::string entity;  // "Contact"
  std::string json;    // the file's text
};

// The definitions shipped inside the binary.
std::vector<EntityDefSource> ShippedEntityDefs();

class Metadata {
 public:
  // Builds metadata from `sources`; later sources with the same entity name are merged over earlier
  // ones key by key. Returns kInvalidArgument naming the file and problem when a definition is bad.
  static Result<std::shared_ptr<const Metadata>> Load(const std::vector<EntityDefSource>& sources);
  // Shipped definitions plus `*.json` files in `dir`/entityDefs (when `dir` is non-empty).
  static Result<std::shared_ptr<const Metadata>> LoadDefault(const std::string& dir);

  // Finds an entity by name; the first letter is case-insensitive ("contact" finds "Contact"), as
  // EspoCRM's router applies ucfirst(). Returns nullptr when unknown.
  const EntityDef* FindEntity(std::string_view name) const;
  const EntityDef& Entity(std::string_view name) const;  // must exist (checked at load)
  const std::vector<EntityDef>& entities() const { return entities_; }

  // {"entityDefs": {...}, "scopes": {...}} as served by GET /api/v1/Metadata.
  const boost::json::object& client_json() const { return client_json_; }

 private:
  Metadata() = default;
  std::vector<EntityDef> entities_;
  boost::json::object client_json_;
};

}  // namespace crm::metadata

#endif  // CRM_METADATA_METADATA_HPP_
