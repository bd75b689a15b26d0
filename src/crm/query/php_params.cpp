#include "crm/query/php_params.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace crm::query {
namespace {

namespace json = boost::json;

// A PHP array key: PHP turns canonical decimal integer strings into integer keys.
struct PhpKey {
  bool is_int = false;
  std::int64_t number = 0;
  std::string text;  // the key as text (for integers too)
};

// True for the strings PHP's ZEND_HANDLE_NUMERIC_STR treats as integer keys: an optional '-', then
// digits without a leading zero (except "0" itself), no "-0", and a value that fits in 64 bits.
std::optional<std::int64_t> CanonicalInteger(std::string_view s) {
  std::size_t pos = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) pos = 1;
  if (pos >= s.size() || s.size() - pos > 19) return std::nullopt;
  if (s[pos] == '0' && (s.size() - pos > 1 || negative)) return std::nullopt;
  std::uint64_t value = 0;
  for (std::size_t i = pos; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(s[i] - '0');
  }
  constexpr auto kMax = static_cast<std::uint64_t>(INT64_MAX);
  if (value > kMax + (negative ? 1U : 0U)) return std::nullopt;
  if (negative) return value == kMax + 1 ? INT64_MIN : -static_cast<std::int64_t>(value);
  return static_cast<std::int64_t>(value);
}

PhpKey MakeKey(std::string_view text) {
  PhpKey key;
  key.text = std::string(text);
  if (const auto number = CanonicalInteger(text)) {
    key.is_int = true;
    key.number = *number;
    key.text = std::to_string(*number);
  }
  return key;
}

// One PHP value: a string, or an ordered array of keyed values.
class PhpNode {
 public:
  explicit PhpNode(bool is_array) : is_array_(is_array) {}
  explicit PhpNode(std::string scalar) : scalar_(std::move(scalar)) {}

  // The array stored under `key` (a new element when `key` is nullopt, PHP's `[]`), created when
  // absent and replacing a scalar that was there, as PHP does.
  PhpNode& ChildArray(const std::optional<std::string>& key) {
    if (!key) return Append(std::make_unique<PhpNode>(true));
    const PhpKey parsed = MakeKey(*key);
    PhpNode* existing = Find(parsed);
    if (existing == nullptr) return Insert(parsed, std::make_unique<PhpNode>(true));
    if (!existing->is_array_) *existing = PhpNode(true);
    return *existing;
  }

  // Stores `value` under `key` (appends when nullopt), replacing whatever the key held.
  void Set(const std::optional<std::string>& key, std::string value) {
    auto node = std::make_unique<PhpNode>(std::move(value));
    if (!key) {
      Append(std::move(node));
      return;
    }
    const PhpKey parsed = MakeKey(*key);
    if (PhpNode* existing = Find(parsed); existing != nullptr) {
      *existing = std::move(*node);
    } else {
      Insert(parsed, std::move(node));
    }
  }

  json::value ToJson() const {
    if (!is_array_) return json::string(scalar_);
    bool all_int = true;
    for (const auto& [key, node] : entries_) all_int = all_int && key.is_int;
    if (all_int) {
      json::array out;
      out.reserve(entries_.size());
      for (const auto& [key, node] : entries_) out.push_back(node->ToJson());
      return out;
    }
    json::object out;
    for (const auto& [key, node] : entries_) out[key.text] = node->ToJson();
    return out;
  }

  json::object ToJsonObject() const {
    json::object out;
    for (const auto& [key, node] : entries_) out[key.text] = node->ToJson();
    return out;
  }

 private:
  static std::string IndexKey(const PhpKey& key) { return (key.is_int ? "i" : "s") + key.text; }

  PhpNode* Find(const PhpKey& key) {
    const auto it = index_.find(IndexKey(key));
    return it == index_.end() ? nullptr : entries_[it->second].second.get();
  }

  PhpNode& Insert(const PhpKey& key, std::unique_ptr<PhpNode> node) {
    if (key.is_int && key.number >= next_index_ && key.number < INT64_MAX) {
      next_index_ = key.number + 1;
    }
    index_.emplace(IndexKey(key), entries_.size());
    entries_.emplace_back(key, std::move(node));
    return *entries_.back().second;
  }

  PhpNode& Append(std::unique_ptr<PhpNode> node) {
    PhpKey key;
    key.is_int = true;
    key.number = next_index_;
    key.text = std::to_string(next_index_);
    // Only reachable after a key of INT64_MAX - 1 was set: PHP then fails the append; overwriting
    // the last element is as harmless and keeps the code total.
    if (PhpNode* existing = Find(key); existing != nullptr) {
      *existing = std::move(*node);
      return *existing;
    }
    return Insert(key, std::move(node));
  }

  bool is_array_ = false;
  std::string scalar_;
  std::vector<std::pair<PhpKey, std::unique_ptr<PhpNode>>> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // IndexKey -> position in entries_
  std::int64_t next_index_ = 0;
};

bool IsIndexSpace(char c) { return c == ' ' || c == '\r' || c == '\n' || c == '\t'; }

// A parameter name split as php_register_variable_ex() splits it.
struct ParsedName {
  std::string base;
  std::vector<std::optional<std::string>> indexes;  // nullopt = `[]`
};

Result<ParsedName> ParseName(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  ParsedName out;
  std::size_t pos = 0;
  for (; pos < name.size() && name[pos] != '['; ++pos) {
    const char c = name[pos];
    out.base.push_back(c == ' ' || c == '.' ? '_' : c);
  }
  while (pos < name.size()) {  // name[pos] == '['
    if (static_cast<int>(out.indexes.size()) >= kMaxPhpDepth) {
      return Status::InvalidArgument("Query parameter '" + out.base + "' is nested too deeply.");
    }
    const std::size_t start = pos + 1;
    std::size_t scan = start;
    if (scan < name.size() && IsIndexSpace(name[scan])) ++scan;
    if (scan < name.size() && name[scan] == ']') {
      out.indexes.emplace_back(std::nullopt);
      pos = scan + 1;
    } else {
      const std::size_t close = name.find(']', scan);
      if (close == std::string_view::npos) {
        // Not an index: PHP keeps the text in the base name (first level) or drops it (deeper).
        if (out.indexes.empty()) {
          out.base.push_back('_');
          for (const char c : name.substr(start)) {
            out.base.push_back(c == ' ' || c == '.' || c == '[' ? '_' : c);
          }
        }
        break;
      }
      out.indexes.emplace_back(std::string(name.substr(start, close - start)));
      pos = close + 1;
    }
    if (pos >= name.size() || name[pos] != '[') break;  // text after the last ']' is ignored
  }
  return out;
}

}  // namespace

Result<json::object> DecodePhpParams(std::span<const std::pair<std::string, std::string>> params) {
  if (params.size() > kMaxPhpParams) {
    return Status::InvalidArgument("Too many query parameters (at most " +
                                   std::to_string(kMaxPhpParams) + ").");
  }
  PhpNode root(true);
  for (const auto& [name, value] : params) {
    if (name.size() > kMaxPhpNameBytes) {
      return Status::InvalidArgument("Query parameter name is too long.");
    }
    CRM_ASSIGN_OR_RETURN(ParsedName parsed, ParseName(name));
    if (value.size() > kMaxPhpValueBytes) {
      return Status::InvalidArgument("Query parameter '" + parsed.base + "' is too long.");
    }
    if (parsed.base.empty()) continue;  // PHP ignores a pair without a variable name
    PhpNode* container = &root;
    std::optional<std::string> key = parsed.base;
    for (auto& index : parsed.indexes) {
      container = &container->ChildArray(key);
      key = std::move(index);
    }
    container->Set(key, value);
  }
  return root.ToJsonObject();
}

}  // namespace crm::query
