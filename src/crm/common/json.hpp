// JSON helpers over Boost.JSON: serialization with conventional number formatting, parsing that
// never throws, and small accessors. Boost.JSON 1.81 prints doubles in scientific notation ("5E4",
// "1.5E0"); clients cope, but people read these payloads, so SerializeJson prints integral doubles
// as integers and other doubles in shortest round-trip form ("1.5"), leaving strings and structure
// to Boost.JSON.
//
// Thread-safety: pure functions.
#ifndef CRM_COMMON_JSON_HPP_
#define CRM_COMMON_JSON_HPP_

#include <optional>
#include <string>
#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "crm/common/status.hpp"

namespace crm {

// Limits applied to every JSON document read from a request.
inline constexpr int kMaxJsonDepth = 32;

std::string SerializeJson(const boost::json::value& value);
// Overloads that serialise an object or array where it is, without the copy a conversion to
// boost::json::value would make.
std::string SerializeJson(const boost::json::object& object);
std::string SerializeJson(const boost::json::array& array);

// Append to `out` exactly what SerializeJson(value) returns (and, for a string, what it returns for
// that string as a value): for writing a document piece by piece without building it first.
// Scalars go straight into `out`; only arrays, objects and doubles take SerializeJson's own path.
void AppendJson(const boost::json::value& value, std::string& out);
void AppendJsonString(std::string_view text, std::string& out);

// Parses `text`; kInvalidArgument ("Malformed JSON: ...") on syntax errors, nesting beyond
// kMaxJsonDepth, a number beyond a double's range, or a NUL character in a string or key.
Result<boost::json::value> ParseJson(std::string_view text);

// A JSON number for `value`: an integer when it is integral and exactly representable, else a
// double.
boost::json::value JsonNumber(double value);

}  // namespace crm

#endif  // CRM_COMMON_JSON_HPP_
