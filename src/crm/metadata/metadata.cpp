#include "crm/metadata/metadata.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json/parse.hpp>

#include "crm/common/strings.hpp"
#include "crm/metadata/entity_builder.hpp"

namespace crm::metadata {
namespace {

namespace json = boost::json;

void MergeInto(json::object& base, const json::object& overlay) {
  for (const auto& [key, value] : overlay) {
    auto* existing = base.if_contains(key);
    if (existing != nullptr && existing->is_object() && value.is_object()) {
      MergeInto(existing->as_object(), value.as_object());
    } else {
      base[key] = value;
    }
  }
}

// Checks what one entity says about another: targets exist and both sides of a link agree.
Status CheckCrossReferences(const std::vector<EntityDef>& entities,
                            const std::map<std::string, std::size_t>& by_name) {
  const auto find = [&](const std::string& name) -> const EntityDef* {
    const auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &entities[it->second];
  };
  for (const auto& entity : entities) {
    for (const auto& link : entity.links) {
      if (link.type == LinkType::kBelongsToParent) continue;
      const EntityDef* other = find(link.entity);
      if (other == nullptr) {
        return BadDefinition(entity.name,
                             "link " + link.name + " points to unknown entity " + link.entity);
      }
      if (link.foreign.empty()) continue;
      const LinkDef* back = other->FindLink(link.foreign);
      if (back == nullptr) {
        return BadDefinition(
            entity.name, "link " + link.name + ": " + other->name + " has no link " + link.foreign);
      }
      bool consistent = true;
      switch (link.type) {
        case LinkType::kBelongsTo:
          consistent = back->type == LinkType::kHasMany || back->type == LinkType::kHasOne;
          break;
        case LinkType::kHasMany:
          if (link.many_to_many()) {
            consistent = back->relation_name == link.relation_name &&
                         back->near_key_column == link.far_key_column &&
                         back->far_key_column == link.near_key_column &&
                         back->additional_columns.size() == link.additional_columns.size();
          } else {
            consistent = back->type == LinkType::kBelongsTo && back->entity == entity.name;
          }
          break;
        case LinkType::kHasOne:
          consistent = back->type == LinkType::kBelongsTo && back->entity == entity.name;
          break;
        case LinkType::kHasChildren:
          consistent = back->type == LinkType::kBelongsToParent;
          break;
        case LinkType::kBelongsToParent:
          break;
      }
      if (!consistent) {
        return BadDefinition(entity.name, "link " + link.name + " does not match " + other->name +
                                              "." + link.foreign);
      }
    }
    for (const auto& field : entity.fields) {
      if (field.type == FieldType::kForeign) {
        const LinkDef* link = entity.FindLink(field.foreign_link);
        const EntityDef* other = find(link->entity);
        if (other == nullptr || other->FindAttribute(field.foreign_field) == nullptr) {
          return BadDefinition(entity.name, "foreign field " + field.name + " names unknown " +
                                                link->entity + "." + field.foreign_field);
        }
      }
      if (field.type == FieldType::kLinkParent) {
        for (const auto& type : field.entity_list) {
          if (find(type) == nullptr) {
            return BadDefinition(entity.name,
                                 "field " + field.name + " lists unknown parent type " + type);
          }
        }
      }
    }
  }
  return {};
}

// Removes what clients must not see (internal fields) from the definitions served at /Metadata.
json::object ClientEntityDef(const EntityDef& entity, const json::object& merged) {
  json::object out = merged;
  if (auto* fields = out.if_contains("fields"); fields != nullptr && fields->is_object()) {
    for (const auto& field : entity.fields) {
      if (field.internal) fields->as_object().erase(field.name);
    }
  }
  return out;
}

}  // namespace

bool FieldDef::HasOption(std::string_view value) const {
  return std::find(options.begin(), options.end(), value) != options.end();
}

const AttributeDef* EntityDef::FindAttribute(std::string_view attribute_name) const {
  const int index = AttributeIndex(attribute_name);
  return index < 0 ? nullptr : &attributes[static_cast<std::size_t>(index)];
}

int EntityDef::AttributeIndex(std::string_view attribute_name) const {
  const auto it = attribute_index.find(std::string(attribute_name));
  return it == attribute_index.end() ? -1 : it->second;
}

const FieldDef* EntityDef::FindField(std::string_view field_name) const {
  const auto it = field_index.find(std::string(field_name));
  return it == field_index.end() ? nullptr : &fields[static_cast<std::size_t>(it->second)];
}

const LinkDef* EntityDef::FindLink(std::string_view link_name) const {
  const auto it = link_index.find(std::string(link_name));
  return it == link_index.end() ? nullptr : &links[static_cast<std::size_t>(it->second)];
}

Result<std::shared_ptr<const Metadata>> Metadata::Load(
    const std::vector<EntityDefSource>& sources) {
  // Merge sources per entity, keeping first-seen order for a stable entity list.
  std::vector<std::pair<std::string, json::object>> merged;
  for (const auto& source : sources) {
    boost::system::error_code ec;
    json::value parsed = json::parse(source.json, ec);
    if (ec) return BadDefinition(source.entity, "invalid JSON: " + ec.message());
    if (!parsed.is_object())
      return BadDefinition(source.entity, "the definition must be a JSON object");
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const auto& entry) { return entry.first == source.entity; });
    if (it == merged.end()) {
      merged.emplace_back(source.entity, std::move(parsed.as_object()));
    } else {
      MergeInto(it->second, parsed.as_object());
    }
  }

  std::shared_ptr<Metadata> metadata(new Metadata());
  std::map<std::string, std::size_t> by_name;
  for (const auto& [name, def] : merged) {
    if (name.empty() || name[0] < 'A' || name[0] > 'Z') {
      return BadDefinition(name, "entity names start with an upper-case letter");
    }
    CRM_ASSIGN_OR_RETURN(auto entity, BuildEntity(name, def));
    by_name[name] = metadata->entities_.size();
    metadata->entities_.push_back(std::move(entity));
  }
  CRM_RETURN_IF_ERROR(CheckCrossReferences(metadata->entities_, by_name));

  json::object entity_defs;
  json::object scopes;
  for (std::size_t i = 0; i < merged.size(); ++i) {
    const EntityDef& entity = metadata->entities_[i];
    entity_defs[entity.name] = ClientEntityDef(entity, merged[i].second);
    scopes[entity.name] = json::object{{"entity", true},
                                       {"object", entity.name != "User" && entity.name != "Team"},
                                       {"stream", entity.stream},
                                       {"acl", true}};
  }
  metadata->client_json_["entityDefs"] = std::move(entity_defs);
  metadata->client_json_["scopes"] = std::move(scopes);
  return std::shared_ptr<const Metadata>(std::move(metadata));
}

Result<std::shared_ptr<const Metadata>> Metadata::LoadDefault(const std::string& dir) {
  std::vector<EntityDefSource> sources = ShippedEntityDefs();
  if (!dir.empty()) {
    const std::filesystem::path defs = std::filesystem::path(dir) / "entityDefs";
    std::error_code ec;
    if (!std::filesystem::is_directory(defs, ec)) {
      return Status::InvalidArgument("metadata directory " + defs.string() + " does not exist");
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(defs, ec)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) return Status::InvalidArgument("cannot read " + file.string());
      sources.push_back({file.stem().string(), text.str()});
    }
  }
  return Load(sources);
}

const EntityDef* Metadata::FindEntity(std::string_view name) const {
  if (name.empty()) return nullptr;
  for (const auto& entity : entities_) {
    if (entity.name.size() == name.size() &&
        entity.name.compare(1, std::string::npos, name.substr(1)) == 0 &&
        EqualsIgnoreCaseAscii(entity.name.substr(0, 1), name.substr(0, 1))) {
      return &entity;
    }
  }
  return nullptr;
}

const EntityDef& Metadata::Entity(std::string_view name) const {
  const EntityDef* entity = FindEntity(name);
  // Callers pass names that came from validated metadata (link targets), so this holds.
  if (entity == nullptr) std::abort();
  return *entity;
}

}  // namespace crm::metadata
