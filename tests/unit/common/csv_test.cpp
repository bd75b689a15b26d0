#include "crm/common/csv.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crm {
namespace {

using ::testing::ElementsAre;

// Every record of `text`, or the first error as "line N: message".
struct Parsed {
  std::vector<std::vector<std::string>> records;
  std::vector<std::int64_t> lines;
  std::vector<std::string> errors;
};

Parsed ParseAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  Parsed parsed;
  std::vector<std::string> fields;
  for (;;) {
    auto more = reader.Next(fields);
    if (!more.ok()) {
      parsed.errors.push_back("line " + std::to_string(reader.record_line()) + ": " +
                              more.status().message());
      continue;
    }
    if (!*more) break;
    parsed.records.push_back(fields);
    parsed.lines.push_back(reader.record_line());
  }
  return parsed;
}

TEST(CsvReader, ReadsPlainRecordsWithLfAndCrlf) {
  const Parsed parsed = ParseAll("name,city\r\nAda,London\nBob,\r\n");
  ASSERT_TRUE(parsed.errors.empty());
  ASSERT_EQ(parsed.records.size(), 3u);
  EXPECT_THAT(parsed.records[0], ElementsAre("name", "city"));
  EXPECT_THAT(parsed.records[1], ElementsAre("Ada", "London"));
  EXPECT_THAT(parsed.records[2], ElementsAre("Bob", ""));
  EXPECT_THAT(parsed.lines, ElementsAre(1, 2, 3));
}

TEST(CsvReader, LastRecordWithoutLineEnd) {
  const Parsed parsed = ParseAll("a,b\n1,2");
  ASSERT_EQ(parsed.records.size(), 2u);
  EXPECT_THAT(parsed.records[1], ElementsAre("1", "2"));
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const Parsed parsed =
      ParseAll("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\r\nlines\"\nnext,\"\",z\n");
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0];
  ASSERT_EQ(parsed.records.size(), 3u);
  EXPECT_THAT(parsed.records[1], ElementsAre("x, y", "say \"hi\"", "two\r\nlines"));
  EXPECT_THAT(parsed.records[2], ElementsAre("next", "", "z"));
  // The record after the embedded line break starts on line 4, and is reported so.
  EXPECT_THAT(parsed.lines, ElementsAre(1, 2, 4));
}

TEST(CsvReader, SkipsTheByteOrderMark) {
  const Parsed parsed = ParseAll("\xEF\xBB\xBFname\nAda\n");
  ASSERT_EQ(parsed.records.size(), 2u);
  EXPECT_THAT(parsed.records[0], ElementsAre("name"));
}

TEST(CsvReader, BadRowsAreErrorsWithTheirLineAndReadingGoesOn) {
  const Parsed parsed = ParseAll("a,b\nx\"y,1\n\"q\"z,2\nok,3\n\"open,4\nnever closed\n");
  EXPECT_THAT(parsed.errors, ElementsAre("line 2: a quote inside an unquoted field",
                                         "line 3: text after a closing quote",
                                         "line 5: a quoted field is not closed"));
  ASSERT_EQ(parsed.records.size(), 2u);
  EXPECT_THAT(parsed.records[1], ElementsAre("ok", "3"));
  EXPECT_EQ(parsed.lines[1], 4);
}

TEST(CsvReader, EmptyInputHasNoRecords) { EXPECT_TRUE(ParseAll("").records.empty()); }

TEST(AppendCsvField, QuotesOnlyWhatNeedsIt) {
  std::string out;
  AppendCsvField(out, "plain");
  out += ',';
  AppendCsvField(out, "a,b");
  out += ',';
  AppendCsvField(out, "say \"hi\"");
  out += ',';
  AppendCsvField(out, "two\nlines");
  out += ',';
  AppendCsvField(out, " padded");
  EXPECT_EQ(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\"");
}

TEST(AppendCsvField, WhatItWritesReadsBack) {
  const std::vector<std::string> fields = {"", "x", "\"", ",\r\n,", " a ", "ü"};
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    AppendCsvField(line, fields[i]);
  }
  const Parsed parsed = ParseAll(line + "\r\n");
  ASSERT_EQ(parsed.records.size(), 1u);
  EXPECT_EQ(parsed.records[0], fields);
}

}  // namespace
}  // namespace crm
