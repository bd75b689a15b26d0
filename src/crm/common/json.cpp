#include "crm/common/json.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>

namespace crm {
namespace {

bool HasFractionalDouble(const boost::json::value& value);

bool HasFractionalDouble(const boost::json::array& array) {
  for (const auto& item : array) {
    if (HasFractionalDouble(item)) return true;
  }
  return false;
}

bool HasFractionalDouble(const boost::json::object& object) {
  for (const auto& [key, item] : object) {
    if (HasFractionalDouble(item)) return true;
  }
  return false;
}

bool HasFractionalDouble(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return true;
    case boost::json::kind::array:
      return HasFractionalDouble(value.get_array());
    case boost::json::kind::object:
      return HasFractionalDouble(value.get_object());
    default:
      return false;
  }
}

void Write(const boost::json::value& value, std::string& out);

void Write(const boost::json::array& array, std::string& out) {
  out.push_back('[');
  bool first = true;
  for (const auto& item : array) {
    if (!first) out.push_back(',');
    first = false;
    Write(item, out);
  }
  out.push_back(']');
}

void Write(const boost::json::object& object, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (const auto& [key, item] : object) {
    if (!first) out.push_back(',');
    first = false;
    out += boost::json::serialize(boost::json::string_view(key));
    out.push_back(':');
    Write(item, out);
  }
  out.push_back('}');
}

void Write(const boost::json::value& value, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::double_: {
      const double d = value.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buffer[32];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, d);
      out.append(buffer, result.ptr);
      return;
    }
    case boost::json::kind::array:
      return Write(value.get_array(), out);
    case boost::json::kind::object:
      return Write(value.get_object(), out);
    default:
      out += boost::json::serialize(value);
  }
}

// Most payloads hold no doubles (JsonNumber stores integral ones as integers): then Boost does it
// all.
template <typename Json>
std::string Serialize(const Json& json) {
  if (!HasFractionalDouble(json)) return boost::json::serialize(json);
  std::string out;
  Write(json, out);
  return out;
}

}  // namespace

std::string SerializeJson(const boost::json::value& value) { return Serialize(value); }
std::string SerializeJson(const boost::json::object& object) { return Serialize(object); }
std::string SerializeJson(const boost::json::array& array) { return Serialize(array); }

void AppendJsonString(std::string_view text, std::string& out) {
  // Boost.JSON's own escaping, read out in pieces so that no temporary string is made.
  boost::json::serializer serializer;
  serializer.reset(boost::json::string_view(text.data(), text.size()));
  char buffer[1024];
  while (!serializer.done()) {
    const boost::json::string_view piece = serializer.read(buffer, sizeof buffer);
    out.append(piece.data(), piece.size());
  }
}

void AppendJson(const boost::json::value& value, std::string& out) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
    case boost::json::kind::uint64: {
      char buffer[24];
      const auto result = value.is_int64()
                              ? std::to_chars(buffer, buffer + sizeof buffer, value.get_int64())
                              : std::to_chars(buffer, buffer + sizeof buffer, value.get_uint64());
      out.append(buffer, result.ptr);
      return;
    }
    case boost::json::kind::string:
      return AppendJsonString(value.get_string(), out);
    default:
      out += SerializeJson(value);
  }
}

namespace {

// What Boost.JSON accepts but no stored value may hold: a number beyond a double's range (parsed
// as infinity, which would be written as null) and a NUL character (PostgreSQL's text cannot hold
// one, so the backends would disagree). The depth is bounded by the parser's max_depth.
Status CheckStorable(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      if (!std::isfinite(value.get_double())) {
        return Status::InvalidArgument("Malformed JSON: a number is beyond the range of a double.");
      }
      return Status::Ok();
    case boost::json::kind::string:
      if (value.get_string().find('\0') != boost::json::string::npos) {
        return Status::InvalidArgument("Malformed JSON: a string holds a NUL character (\\u0000).");
      }
      return Status::Ok();
    case boost::json::kind::array:
      for (const auto& item : value.get_array()) CRM_RETURN_IF_ERROR(CheckStorable(item));
      return Status::Ok();
    case boost::json::kind::object:
      for (const auto& [key, item] : value.get_object()) {
        if (key.find('\0') != boost::json::string_view::npos) {
          return Status::InvalidArgument("Malformed JSON: a key holds a NUL character (\\u0000).");
        }
        CRM_RETURN_IF_ERROR(CheckStorable(item));
      }
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

}  // namespace

Result<boost::json::value> ParseJson(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec, {}, options);
  if (ec) return Status::InvalidArgument("Malformed JSON: " + ec.message() + ".");
  CRM_RETURN_IF_ERROR(CheckStorable(value));
  return value;
}

boost::json::value JsonNumber(double value) {
  constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) <= kMaxExactInteger) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

}  // namespace crm
