#include "crm/common/json.hpp"

#include <charconv>
#include <cmath>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace crm {
namespace {

bool HasFractionalDouble(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::double_:
      return true;
    case boost::json::kind::array:
      for (const auto& item : value.get_array()) {
        if (HasFractionalDouble(item)) return true;
      }
      return false;
    case boost::json::kind::object:
      for (const auto& [key, item] : value.get_object()) {
        if (HasFractionalDouble(item)) return true;
      }
      return false;
    default:
      return false;
  }
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
    case boost::json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        Write(item, out);
      }
      out.push_back(']');
      return;
    }
    case boost::json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += boost::json::serialize(boost::json::string_view(key));
        out.push_back(':');
        Write(item, out);
      }
      out.push_back('}');
      return;
    }
    default:
      out += boost::json::serialize(value);
  }
}

}  // namespace

std::string SerializeJson(const boost::json::value& value) {
  // Most payloads hold no doubles (JsonNumber stores integral ones as integers): let Boost do it
  // all.
  if (!HasFractionalDouble(value)) return boost::json::serialize(value);
  std::string out;
  Write(value, out);
  return out;
}

Result<boost::json::value> ParseJson(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec, {}, options);
  if (ec) return Status::InvalidArgument("Malformed JSON: " + ec.message() + ".");
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
