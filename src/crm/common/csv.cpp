#include "crm/common/csv.hpp"

namespace crm {

void CsvReader::SkipRestOfLine() {
  for (int c = in_.get(); c != std::char_traits<char>::eof() && c != '\n'; c = in_.get()) {
  }
  ++line_;
}

Result<bool> CsvReader::Next(std::vector<std::string>& fields) {
  fields.clear();
  constexpr int kEof = std::char_traits<char>::eof();
  if (!started_) {
    started_ = true;
    // A UTF-8 byte-order mark (Excel writes one) is not part of the first column's name.
    if (in_.peek() == 0xEF) {
      in_.get();
      if (in_.get() != 0xBB || in_.get() != 0xBF) {
        SkipRestOfLine();
        record_line_ = 1;
        return Status::InvalidArgument("a malformed byte-order mark");
      }
    }
  }
  if (in_.peek() == kEof) return false;
  record_line_ = line_ + 1;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted and its closing quote seen
  for (;;) {
    const int c = in_.get();
    if (quoted) {
      if (c == kEof) {
        ++line_;
        return Status::InvalidArgument("a quoted field is not closed");
      }
      if (c == '"') {
        if (in_.peek() == '"') {
          in_.get();
          field += '"';
        } else {
          quoted = false;
          was_quoted = true;
        }
        continue;
      }
      if (c == '\n') ++line_;
      field += static_cast<char>(c);
      continue;
    }
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      continue;
    }
    if (c == '\r' && in_.peek() == '\n') continue;
    if (c == '\n' || c == kEof) {
      ++line_;
      fields.push_back(std::move(field));
      return true;
    }
    if (was_quoted) {
      SkipRestOfLine();
      return Status::InvalidArgument("text after a closing quote");
    }
    if (c == '"') {
      if (!field.empty()) {
        SkipRestOfLine();
        return Status::InvalidArgument("a quote inside an unquoted field");
      }
      quoted = true;
      continue;
    }
    field += static_cast<char>(c);
  }
}

void AppendCsvField(std::string& out, std::string_view field) {
  const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) {
    out += field;
    return;
  }
  out += '"';
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace crm
