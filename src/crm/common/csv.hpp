// CSV as RFC 4180 has it (what EspoCRM's export and spreadsheets write): a reader that takes one
// record at a time from a stream, with quoted fields that hold commas, doubled quotes and line
// breaks, CRLF or LF line ends and a UTF-8 byte-order mark before the first field; and the writer's
// quoting. Debian's libcsv would need a new build dependency for what is one small state machine.
//
// Thread-safety: a CsvReader is used by one thread at a time; the free functions are pure.
#ifndef CRM_COMMON_CSV_HPP_
#define CRM_COMMON_CSV_HPP_

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "crm/common/status.hpp"

namespace crm {

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // Reads the next record into `fields`; false at the end of the input. kInvalidArgument for a
  // quote inside an unquoted field, text after a closing quote, or a quoted field that never
  // ends; the reader then resumes at the next line.
  Result<bool> Next(std::vector<std::string>& fields);

  // The line the last record returned by Next() started on (1-based).
  std::int64_t record_line() const { return record_line_; }
  // Lines consumed so far (a record with embedded line breaks spans several).
  std::int64_t lines_read() const { return line_; }

 private:
  void SkipRestOfLine();

  std::istream& in_;
  std::int64_t line_ = 0;
  std::int64_t record_line_ = 0;
  bool started_ = false;
};

// Appends `field` to `out`, quoted when it holds a comma, a quote, a line break or leading or
// trailing spaces (which readers may trim).
void AppendCsvField(std::string& out, std::string_view field);

}  // namespace crm

#endif  // CRM_COMMON_CSV_HPP_
