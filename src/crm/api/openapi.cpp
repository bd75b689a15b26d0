#include "crm/api/openapi.hpp"

#include <algorithm>
#include <string>

#include <boost/json/array.hpp>

namespace crm::api {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::EntityDef;
using metadata::FieldType;
using metadata::ValueType;

json::array Nullable(std::string_view type) { return json::array{type, "null"}; }

json::object Ref(std::string_view schema) {
  return json::object{{"$ref", "#/components/schemas/" + std::string(schema)}};
}

json::array StringsOf(const std::vector<std::string>& values) {
  json::array array;
  for (const auto& value : values) array.emplace_back(value);
  return array;
}

// The JSON type of one attribute as records carry it.
json::object AttributeSchema(const EntityDef& entity, const AttributeDef& attribute) {
  const metadata::FieldDef* field = attribute.field >= 0 ? &entity.FieldOf(attribute) : nullptr;
  // The field's own attribute (not amountCurrency of amount, say) carries its options and range.
  const bool own = field != nullptr && field->name == attribute.name;
  json::object schema;
  switch (attribute.type) {
    case ValueType::kString:
      schema["type"] = Nullable("string");
      if (own && field->type == FieldType::kEnum && !field->options.empty()) {
        json::array options = StringsOf(field->options);
        options.emplace_back(nullptr);
        schema["enum"] = std::move(options);
      }
      break;
    case ValueType::kInt:
      schema["type"] = Nullable("integer");
      if (own && field->min) schema["minimum"] = *field->min;
      if (own && field->max) schema["maximum"] = *field->max;
      break;
    case ValueType::kFloat:
      schema["type"] = Nullable("number");
      if (own && field->min) schema["minimum"] = *field->min;
      if (own && field->max) schema["maximum"] = *field->max;
      break;
    case ValueType::kBool:
      schema["type"] = "boolean";
      break;
    case ValueType::kDate:
      schema["type"] = Nullable("string");
      schema["format"] = "date";
      break;
    case ValueType::kDateTime:
      schema["type"] = Nullable("string");
      schema["description"] = "UTC, YYYY-MM-DD HH:MM:SS";
      break;
    case ValueType::kStringArray: {
      json::object items{{"type", "string"}};
      if (own && !field->options.empty()) items["enum"] = StringsOf(field->options);
      schema["type"] = Nullable("array");
      schema["items"] = std::move(items);
      break;
    }
    case ValueType::kJson:
      if (field != nullptr && field->type == FieldType::kJsonArray) {
        schema["type"] = Nullable("array");
      } else {
        schema["type"] = Nullable("object");
      }
      break;
    case ValueType::kIdArray:
      schema["type"] = Nullable("array");
      schema["items"] = json::object{{"type", "string"}};
      break;
    case ValueType::kObject:
      schema["type"] = Nullable("object");
      break;
  }
  if (attribute.max_length) schema["maxLength"] = *attribute.max_length;
  if (attribute.read_only) schema["readOnly"] = true;
  return schema;
}

// What a create must carry: the attribute of each required field (its id for a link).
json::array RequiredAttributes(const EntityDef& entity) {
  json::array required;
  for (const auto& field : entity.fields) {
    if (!field.required || field.read_only) continue;
    for (const std::string& candidate : {field.name, field.name + "Id"}) {
      const AttributeDef* attribute = entity.FindAttribute(candidate);
      if (attribute != nullptr && !attribute->read_only && !attribute->internal) {
        required.emplace_back(candidate);
        break;
      }
    }
  }
  return required;
}

// E (a record as read), EInput (what a create or update may send), ECreate (EInput with what a
// create requires).
void AddEntitySchemas(const EntityDef& entity, json::object& schemas) {
  json::object read_properties;
  json::object input_properties;
  for (const auto& attribute : entity.attributes) {
    if (attribute.internal) continue;
    json::object schema = AttributeSchema(entity, attribute);
    if (!attribute.read_only) input_properties[attribute.name] = schema;
    read_properties[attribute.name] = std::move(schema);
  }
  json::array links;
  for (const auto& link : entity.links) links.emplace_back(link.name);
  schemas[entity.name] = json::object{{"type", "object"},
                                      {"properties", std::move(read_properties)},
                                      {"x-links", std::move(links)}};
  schemas[entity.name + "Input"] =
      json::object{{"type", "object"}, {"properties", std::move(input_properties)}};
  json::object create{{"allOf", json::array{Ref(entity.name + "Input")}}};
  if (json::array required = RequiredAttributes(entity); !required.empty()) {
    create["allOf"].as_array().push_back(json::object{{"required", std::move(required)}});
  }
  schemas[entity.name + "Create"] = std::move(create);
}

json::object JsonContent(json::value schema) {
  return json::object{{"application/json", json::object{{"schema", std::move(schema)}}}};
}

json::object ListSchema(json::value item) {
  return json::object{
      {"type", "object"},
      {"required", json::array{"total", "list"}},
      {"properties",
       json::object{{"total", json::object{{"type", "integer"},
                                           {"description",
                                            "Records matching; with X-No-Total: true, -1 when more "
                                            "exist and -2 at the end."}}},
                    {"list", json::object{{"type", "array"}, {"items", std::move(item)}}}}}};
}

json::value AnswerSchema(Answer answer, const EntityDef* entity) {
  const json::value record = entity != nullptr ? json::value(Ref(entity->name))
                                               : json::value(json::object{{"type", "object"}});
  switch (answer) {
    case Answer::kRecord:
      return record;
    case Answer::kList:
      return ListSchema(record);
    case Answer::kAnyList:
      return ListSchema(json::object{{"type", "object"}});
    case Answer::kBoolean:
      return json::object{{"type", "boolean"}};
    case Answer::kMassResult:
      return Ref("MassResult");
    case Answer::kObject:
      return json::object{{"type", "object"}};
    case Answer::kString:
    case Answer::kExport:
      return json::object{{"type", "string"}};
  }
  return json::object();
}

json::object QueryParameter(std::string_view name, json::object schema, std::string_view about) {
  return json::object{
      {"name", name}, {"in", "query"}, {"schema", std::move(schema)}, {"description", about}};
}

// The list parameters every list route reads (docs/api.md, "List").
void AddListParameters(json::array& parameters) {
  parameters.push_back(
      QueryParameter("maxSize", json::object{{"type", "integer"}, {"minimum", 0}, {"maximum", 200}},
                     "Page size (default 20, at most 200)."));
  parameters.push_back(QueryParameter("offset", json::object{{"type", "integer"}, {"minimum", 0}},
                                      "Records to skip."));
  parameters.push_back(
      QueryParameter("orderBy", json::object{{"type", "string"}}, "Attribute to order by."));
  parameters.push_back(QueryParameter(
      "order", json::object{{"type", "string"}, {"enum", json::array{"asc", "desc"}}}, ""));
  parameters.push_back(QueryParameter("select", json::object{{"type", "string"}},
                                      "Comma-separated attributes to return."));
  parameters.push_back(QueryParameter(
      "where", json::object{{"type", "string"}},
      "Filter: a JSON array of where items, or PHP brackets (where[0][type]=equals...)."));
  parameters.push_back(QueryParameter("searchParams", json::object{{"type", "string"}},
                                      "All list parameters as one JSON object."));
  parameters.push_back(QueryParameter("textFilter", json::object{{"type", "string"}},
                                      "Text search over the entity's text filter fields."));
  parameters.push_back(
      QueryParameter("primaryFilter", json::object{{"type", "string"}}, "A named filter."));
}

json::object PathParameter(const Route::Segment& segment, const EntityDef* entity) {
  json::object schema{{"type", "string"}};
  if (segment.text == "link" && entity != nullptr) {
    json::array links;
    for (const auto& link : entity->links) links.emplace_back(link.name);
    schema["enum"] = std::move(links);
  }
  return json::object{
      {"name", segment.text}, {"in", "path"}, {"required", true}, {"schema", std::move(schema)}};
}

std::string OperationId(const Route& route, const std::string& path) {
  std::string id(http::MethodName(route.method));
  for (char& c : id) c = static_cast<char>(c - 'A' + 'a');
  bool upper = true;
  for (const char c : path) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      upper = true;
      continue;
    }
    id += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return id;
}

json::object Operation(const Route& route, const std::string& path, const EntityDef* entity) {
  json::object operation{{"operationId", OperationId(route, path)},
                         {"summary", route.summary},
                         {"tags", json::array{entity != nullptr ? entity->name : "App"}}};
  json::array parameters;
  for (const auto& segment : route.segments) {
    if (segment.kind == Route::Segment::Kind::kParam) {
      parameters.push_back(PathParameter(segment, entity));
    }
  }
  if (route.answer == Answer::kList || route.answer == Answer::kAnyList ||
      route.answer == Answer::kExport) {
    AddListParameters(parameters);
  }
  if (route.answer == Answer::kExport) {
    parameters.push_back(QueryParameter(
        "format", json::object{{"type", "string"}, {"enum", json::array{"csv", "jsonl"}}},
        "csv (default, a header row of attribute names) or jsonl (one JSON object a line)."));
  }
  if (!parameters.empty()) operation["parameters"] = std::move(parameters);
  if (route.body == Body::kRecord && entity != nullptr) {
    const bool create = route.method == http::Method::kPost;
    operation["requestBody"] =
        json::object{{"required", true},
                     {"content", JsonContent(Ref(entity->name + (create ? "Create" : "Input")))}};
  } else if (route.body != Body::kNone) {
    operation["requestBody"] = json::object{
        {"required", true}, {"content", JsonContent(json::object{{"type", "object"}})}};
  }
  json::object success{{"description", "Success."},
                       {"content", JsonContent(AnswerSchema(route.answer, entity))}};
  if (route.answer == Answer::kExport) {
    const json::object file{{"schema", json::object{{"type", "string"}}}};
    success["content"] = json::object{{"text/csv", file}, {"application/x-ndjson", file}};
  }
  json::object responses;
  if (route.access != Access::kPublic) {
    // The rate-limit step's fields (docs/api.md, "Rate limits") on every authenticated answer.
    json::object headers;
    for (const char* name : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                             "RateLimit-Policy", "RateLimit"}) {
      headers[name] = json::object{{"$ref", std::string("#/components/headers/") + name}};
    }
    success["headers"] = std::move(headers);
    responses["429"] = json::object{{"$ref", "#/components/responses/TooManyRequests"}};
  }
  responses["200"] = std::move(success);
  responses["4XX"] = json::object{{"$ref", "#/components/responses/Error"}};
  operation["responses"] = std::move(responses);
  if (route.access == Access::kPublic) operation["security"] = json::array();
  return operation;
}

// The rate-limit fields, as components/headers.
json::object RateLimitHeaders() {
  const auto header = [](std::string_view about, std::string_view type) {
    return json::object{{"description", about}, {"schema", json::object{{"type", type}}}};
  };
  return json::object{
      {"X-RateLimit-Limit", header("The limit of the budget that runs out first.", "integer")},
      {"X-RateLimit-Remaining", header("Requests that budget still allows.", "integer")},
      {"X-RateLimit-Reset",
       header("Unix seconds at which that budget's remaining count next grows.", "integer")},
      {"RateLimit-Policy",
       header("Every budget the request drew from (draft-ietf-httpapi-ratelimit-headers-11): "
              "\"default\";q=1000;w=3600",
              "string")},
      {"RateLimit", header("Their state: \"default\";r=950;t=30", "string")},
      {"Retry-After", header("Seconds until the request would be allowed.", "integer")}};
}

// The pattern with {entityType} replaced by `entity`.
std::string PathFor(const Route& route, const EntityDef* entity) {
  std::string path;
  for (const auto& segment : route.segments) {
    path += '/';
    if (segment.kind == Route::Segment::Kind::kEntity) {
      path += entity->name;
    } else if (segment.kind == Route::Segment::Kind::kParam) {
      path += "{" + segment.text + "}";
    } else {
      path += segment.text;
    }
  }
  return path.empty() ? "/" : path;
}

void AddOperation(json::object& paths, const Route& route, const EntityDef* entity) {
  const std::string path = PathFor(route, entity);
  std::string method(http::MethodName(route.method));
  for (char& c : method) c = static_cast<char>(c - 'A' + 'a');
  json::value& item = paths[path];
  if (!item.is_object()) item = json::object();
  item.as_object()[method] = Operation(route, path, entity);
}

json::object Components(const metadata::Metadata& metadata) {
  json::object schemas;
  for (const auto& entity : metadata.entities()) AddEntitySchemas(entity, schemas);
  schemas["MassResult"] = json::object{
      {"type", "object"},
      {"required", json::array{"count", "ids"}},
      {"properties",
       json::object{
           {"count", json::object{{"type", "integer"}}},
           {"ids", json::object{{"type", "array"}, {"items", json::object{{"type", "string"}}}}}}}};
  schemas["Error"] = json::object{
      {"type", "object"},
      {"required", json::array{"error"}},
      {"properties",
       json::object{
           {"error",
            json::object{{"type", "object"},
                         {"required", json::array{"status", "message", "description"}},
                         {"properties",
                          json::object{{"status", json::object{{"type", "integer"}}},
                                       {"message", json::object{{"type", "string"}}},
                                       {"description", json::object{{"type", "string"}}}}}}}}}};
  auto header_key = [](std::string_view header, std::string_view about) {
    return json::object{
        {"type", "apiKey"}, {"in", "header"}, {"name", header}, {"description", about}};
  };
  return json::object{
      {"schemas", std::move(schemas)},
      {"responses",
       json::object{
           {"Error",
            json::object{{"description",
                          "The error, also in the X-Status-Reason header; EspoCRM's "
                          "machine-readable keys (messageTranslation, duplicates) sit beside it."},
                         {"content", JsonContent(Ref("Error"))}}},
           {"TooManyRequests",
            json::object{
                {"description",
                 "A rate limit is used up, or too many failed authentications came from this "
                 "address."},
                {"headers",
                 json::object{
                     {"Retry-After", json::object{{"$ref", "#/components/headers/Retry-After"}}}}},
                {"content", JsonContent(Ref("Error"))}}}}},
      {"headers", RateLimitHeaders()},
      {"securitySchemes",
       json::object{
           {"ApiKey", header_key("X-Api-Key", "An API user's key.")},
           {"Hmac", header_key("X-Hmac-Authorization",
                               "base64(apiKey:HMAC-SHA256(secret, \"METHOD /Path\")), or the seed "
                               "document's form beside X-Api-Key.")},
           {"Basic", json::object{{"type", "http"}, {"scheme", "basic"}}},
           {"EspoAuthorization", header_key("Espo-Authorization",
                                            "base64(user:password), or base64(user:token) with "
                                            "the token GET /App/user returns.")}}}};
}

}  // namespace

json::object BuildOpenApi(const RouteTable& routes, const metadata::Metadata& metadata,
                          std::string_view base_path, std::string_view version) {
  json::object paths;
  json::array tags{json::object{{"name", "App"}, {"description", "The application."}}};
  for (const auto& entity : metadata.entities()) {
    tags.push_back(json::object{{"name", entity.name}, {"description", entity.name + " records."}});
  }
  for (const Route& route : routes.routes()) {
    const bool per_entity = std::any_of(
        route.segments.begin(), route.segments.end(),
        [](const auto& segment) { return segment.kind == Route::Segment::Kind::kEntity; });
    if (per_entity) {
      for (const auto& entity : metadata.entities()) AddOperation(paths, route, &entity);
      continue;
    }
    // A literal controller that names an entity (/Lead/...) is that entity's route.
    const EntityDef* entity =
        route.segments.empty() ? nullptr : metadata.FindEntity(route.segments[0].text);
    AddOperation(paths, route, entity);
  }
  json::array security;
  for (const char* scheme : {"ApiKey", "Hmac", "Basic", "EspoAuthorization"}) {
    security.push_back(json::object{{scheme, json::array()}});
  }
  return json::object{
      {"openapi", "3.1.0"},
      {"info",
       json::object{{"title", "crmd: the EspoCRM REST API"},
                    {"version", version},
                    {"description",
                     "Every route of crmd's route table, with the record shapes of its metadata. "
                     "Success is always 200; every error has the body in Error."}}},
      {"servers", json::array{json::object{{"url", base_path}}}},
      {"tags", std::move(tags)},
      {"security", std::move(security)},
      {"paths", std::move(paths)},
      {"components", Components(metadata)}};
}

}  // namespace crm::api
