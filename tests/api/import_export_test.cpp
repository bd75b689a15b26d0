// `crmd import` and GET /api/v1/{E}/action/export against a running server (and, as _pg, on
// PostgreSQL): the export's formats, filters, paging past one page, the roles' row and field limits
// and its errors; the import's report of bad rows by line, duplicates, --dry-run, events for
// webhooks, an import killed mid-way and resumed, and the round trip export -> import.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/relation_test_util.hpp"
#include "testing/temp_dir.hpp"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace crm::apitest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& body) {
  std::vector<std::string> lines;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> cells;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
  return cells;
}

class ImportExportTest : public SharedServerTest {
 protected:
  static testing::CommandResult Cli(std::vector<std::string> args) {
    return env_->server->Cli(std::move(args));
  }
  // `count` Contacts with lastName `tag` and firstName F0, F1, ... through massCreate.
  static void CreateContacts(const std::string& tag, int count) {
    ApiClient admin = env_->Admin();
    for (int start = 0; start < count; start += 1000) {
      json::array list;
      for (int i = start; i < std::min(count, start + 1000); ++i) {
        list.push_back(json::object{{"firstName", "F" + std::to_string(i)}, {"lastName", tag}});
      }
      ASSERT_HTTP_STATUS(admin.Post("/Contact/action/massCreate", json::object{{"list", list}}),
                         200);
    }
  }
  static std::string WriteFile(const std::string& name, const std::string& text) {
    const std::string path = temp_.File(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::int64_t Count(const std::string& last_name) {
    ApiClient admin = env_->Admin();
    return CountWhere(admin, "Contact", "lastName", last_name);
  }
  static inline testing::TempDir temp_;
};

TEST_F(ImportExportTest, CsvExportHasAHeaderAndTheMatchingRecordsInChunks) {
  const std::string tag = UniqueName("Csv");
  CreateContacts(tag, 3);
  ApiClient admin = env_->Admin();
  const HttpResponse r = admin.Get("/Contact/action/export?format=csv&select=firstName,lastName&" +
                                   EqualsWhereQuery("lastName", tag));
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(r.Header("Transfer-Encoding"), "chunked");
  const auto lines = Lines(r.body);
  ASSERT_EQ(lines.size(), 4u) << r.body;
  const auto header = Split(lines[0]);
  // As in a list, select adds what every row carries (id, name, the links' ids and names).
  EXPECT_THAT(header, ::testing::IsSupersetOf({"id", "firstName", "lastName"}));
  EXPECT_THAT(header, Not(::testing::Contains("emailAddress")));
  std::set<std::string> first_names;
  const auto first_column = std::find(header.begin(), header.end(), "firstName") - header.begin();
  for (std::size_t i = 1; i < lines.size(); ++i) {
    first_names.insert(Split(lines[i]).at(static_cast<std::size_t>(first_column)));
  }
  EXPECT_EQ(first_names, (std::set<std::string>{"F0", "F1", "F2"}));
}

TEST_F(ImportExportTest, JsonLinesExportPagesThroughEveryRecordInEitherOrder) {
  const std::string tag = UniqueName("Jsonl");
  CreateContacts(tag, 450);  // more than two pages of 200
  ApiClient admin = env_->Admin();
  // The where filter as a JSON array in the query string, percent-encoded.
  std::string where = "&where=";
  for (const char c : json::serialize(EqualsWhere("lastName", json::value(tag)))) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0) {
      where += c;
    } else {
      where += {'%', kHex[byte >> 4], kHex[byte & 15]};
    }
  }
  for (const std::string order : {"", "&orderBy=firstName&order=desc"}) {
    const HttpResponse r = admin.Get("/Contact/action/export?format=jsonl" + order + where);
    ASSERT_HTTP_STATUS(r, 200);
    EXPECT_EQ(r.Header("Content-Type"), "application/x-ndjson; charset=utf-8");
    std::set<std::string> ids;
    std::vector<std::string> names;
    for (const auto& line : Lines(r.body)) {
      const json::value record = ParseJson(line);
      ids.insert(StringAt(record, "id"));
      names.push_back(StringAt(record, "firstName"));
      EXPECT_EQ(StringAt(record, "lastName"), tag);
    }
    EXPECT_EQ(ids.size(), 450u) << order;
    if (!order.empty()) {
      EXPECT_TRUE(std::is_sorted(names.rbegin(), names.rend())) << "not in descending order";
    }
  }
}

TEST_F(ImportExportTest, ExportErrorsAreJson400s) {
  ApiClient admin = env_->Admin();
  EXPECT_TRUE(IsApiError(admin.Get("/Contact/action/export?format=xlsx"), 400,
                         "Unknown export format 'xlsx': use csv or jsonl."));
  EXPECT_TRUE(IsApiError(admin.Get("/Contact/action/export?where[0][type]=nonsense&where[0]"
                                   "[attribute]=lastName&where[0][value]=x"),
                         400));
  EXPECT_TRUE(IsApiError(admin.Get("/Contact/action/export?select=noSuchField"), 400));
  const HttpResponse empty =
      admin.Get("/Contact/action/export?" + EqualsWhereQuery("lastName", UniqueName("None")));
  ASSERT_HTTP_STATUS(empty, 200);
  EXPECT_EQ(empty.body, "");
}

TEST_F(ImportExportTest, ExportKeepsToTheRolesRowsAndFields) {
  const std::string tag = UniqueName("Acl");
  const auto role = testing::RunCommand(
      testing::CrmdBinary(),
      {"role", "create", "--name", tag, "--data",
       R"({"Contact": {"create": "yes", "read": "own", "edit": "own", "delete": "no"}})",
       "--field-data", R"({"Contact": {"phoneNumber": {"read": "no", "edit": "no"}}})",
       "--data-dir", DataDir()},
      env_->server->database_url().empty()
          ? std::vector<std::string>{}
          : std::vector<std::string>{"CRMD_DATABASE=" + env_->server->database_url()});
  ASSERT_EQ(role.exit_code, 0) << role.err;
  const auto user = Cli({"api-user", "create", "--name", tag, "--role", tag});
  ASSERT_EQ(user.exit_code, 0) << user.err;
  Credentials credentials;
  credentials.api_key = StringAt(ParseJson(user.out), "apiKey");
  ApiClient limited(env_->server->base_url(), credentials);

  ApiClient admin = env_->Admin();
  ASSERT_HTTP_STATUS(
      admin.Post("/Contact", json::object{{"lastName", tag}, {"phoneNumber", "+1 202 555 0100"}}),
      200);
  ASSERT_HTTP_STATUS(limited.Post("/Contact", json::object{{"lastName", tag},
                                                           {"firstName", "Mine"},
                                                           {"phoneNumber", "+1 202 555 0101"}}),
                     200);
  const std::string query =
      "/Contact/action/export?format=jsonl&" + EqualsWhereQuery("lastName", tag);
  const HttpResponse all = admin.Get(query);
  ASSERT_HTTP_STATUS(all, 200);
  EXPECT_EQ(Lines(all.body).size(), 2u);
  EXPECT_THAT(all.body, HasSubstr("phoneNumber"));
  const HttpResponse own = limited.Get(query);
  ASSERT_HTTP_STATUS(own, 200);
  const auto lines = Lines(own.body);
  ASSERT_EQ(lines.size(), 1u) << own.body;
  EXPECT_EQ(StringAt(ParseJson(lines[0]), "firstName"), "Mine");
  EXPECT_THAT(own.body, Not(HasSubstr("phoneNumber")));
  const HttpResponse selected = limited.Get(query + "&select=lastName,phoneNumber");
  EXPECT_THAT(selected.body, Not(HasSubstr("555")));
}

TEST_F(ImportExportTest, ImportReportsBadRowsByLineAndCreatesTheRest) {
  const std::string tag = UniqueName("Bad");
  const std::string path = WriteFile(tag + ".csv",
                                     "firstName,lastName,emailAddress,description\r\n"
                                     "Ann," +
                                         tag + ",ann" + tag +
                                         "@example.com,\"two\nlines\"\r\n"
                                         "NoLast,,,\r\n"
                                         "Bob," +
                                         tag +
                                         ",not-an-email,\r\n"
                                         "Cid," +
                                         tag +
                                         "\r\n"
                                         "Dee," +
                                         tag + ",,\"ok, \"\"quoted\"\"\"\r\n");
  const auto result = Cli({"import", "Contact", path});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("line 4: failed: "));  // no lastName (after the 2-line row)
  EXPECT_THAT(result.out, HasSubstr("line 5: failed: "));  // bad email
  EXPECT_THAT(result.out, HasSubstr("line 6: failed: The row has 2 fields, the header 4."));
  EXPECT_THAT(result.out, HasSubstr("2 created, 0 skipped as duplicates, 3 failed"));
  EXPECT_EQ(Count(tag), 2);
  ApiClient admin = env_->Admin();
  const HttpResponse dee =
      admin.Get("/Contact/action/export?format=jsonl&" + EqualsWhereQuery("firstName", "Dee"));
  EXPECT_THAT(dee.body, HasSubstr(R"("description":"ok, \"quoted\"")"));
}

TEST_F(ImportExportTest, DuplicatesAreSkippedUnlessAllowed) {
  const std::string tag = UniqueName("Dup");
  CreateContacts(tag, 1);  // F0 tag
  const std::string path = WriteFile(
      tag + ".jsonl", R"({"firstName": "F0", "lastName": ")" + tag + "\"}\n" +
                          R"({"firstName": "New", "lastName": ")" + tag + "\"}\n" +
                          R"({"firstName": "New", "lastName": ")" + tag + "\"}\n" + "not json\n");
  const auto first = Cli({"import", "Contact", path});
  EXPECT_EQ(first.exit_code, 3) << first.out << first.err;
  // The second New duplicates the first one of the same batch.
  EXPECT_THAT(first.out, HasSubstr("line 1: skipped: duplicate"));
  EXPECT_THAT(first.out, HasSubstr("line 3: skipped: duplicate"));
  EXPECT_THAT(first.out, HasSubstr("line 4: failed: not JSON"));
  EXPECT_THAT(first.out, HasSubstr("1 created, 2 skipped as duplicates, 1 failed"));
  EXPECT_EQ(Count(tag), 2);
  const auto allowed = Cli({"import", "Contact", path, "--allow-duplicates"});
  EXPECT_THAT(allowed.out, HasSubstr("3 created, 0 skipped as duplicates, 1 failed"));
  EXPECT_EQ(Count(tag), 5);
}

TEST_F(ImportExportTest, DryRunChecksEverythingAndWritesNothing) {
  const std::string tag = UniqueName("Dry");
  CreateContacts(tag, 1);
  const std::int64_t events_before = LastEventSeq(DataDir());
  const std::string path =
      WriteFile(tag + ".csv", "firstName,lastName\nF0," + tag + "\nA," + tag + "\nB,\n");
  const auto result = Cli({"import", "Contact", path, "--dry-run"});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("line 2: skipped: duplicate"));
  EXPECT_THAT(result.out, HasSubstr("line 4: failed"));
  EXPECT_THAT(result.out,
              HasSubstr("dry run, nothing written: 1 would be created, 1 skipped as duplicates"));
  EXPECT_EQ(Count(tag), 1);
  EXPECT_EQ(LastEventSeq(DataDir()), events_before);
}

// The page cache and memory map of the import's own connections (SQLite; PostgreSQL ignores them).
TEST_F(ImportExportTest, ImportRunsWithAMemoryMapAndItsOwnCacheSize) {
  const std::string tag = UniqueName("Map");
  const std::string path =
      WriteFile(tag + ".csv", "firstName,lastName\nA," + tag + "\nB," + tag + "\nC," + tag + "\n");
  const auto result = Cli({"import", "Contact", path, "--cache-mib", "4", "--mmap-mib", "64"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("3 created, 0 skipped as duplicates, 0 failed"));
  EXPECT_EQ(Count(tag), 3);
  EXPECT_EQ(Cli({"import", "Contact", path, "--cache-mib", "0"}).exit_code, 2);
  EXPECT_EQ(Count(tag), 3);
}

TEST_F(ImportExportTest, ImportedRecordsHaveChangeEventsForWebhooks) {
  const std::string tag = UniqueName("Evt");
  const std::int64_t before = LastEventSeq(DataDir());
  const std::string path =
      WriteFile(tag + ".csv", "firstName,lastName\nA," + tag + "\nB," + tag + "\n");
  ASSERT_EQ(Cli({"import", "Contact", path}).exit_code, 0);
  int creates = 0;
  for (const auto& event : ReadEvents(DataDir(), before)) {
    if (event.event == "Contact.create" && StringAt(event.payload, "lastName") == tag) ++creates;
  }
  EXPECT_EQ(creates, 2);
}

// `crmd import ... --progress lines` with stderr on a pipe; SIGKILL after the first committed
// batch.
struct Killed {
  std::string first_line;
  int status = 0;
};
Killed ImportAndKill(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  Killed killed;
  const testing::PipedChild child = testing::SpawnPiped(
      testing::CrmdBinary(), args, testing::EnvironmentWith(env), STDERR_FILENO, "/dev/null");
  if (child.pid < 0) return killed;
  const int err_fd = child.read_fd;
  const pid_t pid = child.pid;
  std::string text;
  char buffer[256];
  while (text.find("committed through line") == std::string::npos ||
         text.find('\n', text.find("committed through line")) == std::string::npos) {
    const ssize_t n = read(err_fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  kill(pid, SIGKILL);
  close(err_fd);
  waitpid(pid, &killed.status, 0);
  killed.first_line = text;
  return killed;
}

TEST_F(ImportExportTest, AKilledImportLeavesWholeBatchesAndResumes) {
  const std::string tag = UniqueName("Kill");
  constexpr int kRows = 20000;
  constexpr int kBatch = 500;
  std::string text;
  for (int i = 0; i < kRows; ++i) {
    text += R"({"firstName": "K)" + std::to_string(i) + R"(", "lastName": ")" + tag + "\"}\n";
  }
  const std::string path = WriteFile(tag + ".jsonl", text);
  std::vector<std::string> args = {
      "import",     "Contact", path,     "--batch", std::to_string(kBatch),
      "--progress", "lines",   "--data", DataDir()};
  std::vector<std::string> env;
  if (!env_->server->database_url().empty()) {
    env.push_back("CRMD_DATABASE=" + env_->server->database_url());
  }
  const Killed killed = ImportAndKill(args, env);
  ASSERT_THAT(killed.first_line, HasSubstr("committed through line")) << killed.first_line;
  ASSERT_TRUE(WIFSIGNALED(killed.status)) << "the import ended before it was killed";
  const std::int64_t kept = Count(tag);
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, kRows);
  EXPECT_EQ(kept % kBatch, 0) << "a batch was committed in part";

  // Run again as it was: what was imported is a duplicate now, the rest is created.
  const auto resumed = Cli({"import", "Contact", path});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr(std::to_string(kRows - kept) + " created, " +
                                     std::to_string(kept) + " skipped as duplicates, 0 failed"));
  EXPECT_EQ(Count(tag), kRows);
}

TEST_F(ImportExportTest, SkipLinesResumesWithoutTheDuplicateCheck) {
  const std::string tag = UniqueName("Skip");
  const std::string path =
      WriteFile(tag + ".csv", "firstName,lastName\nA," + tag + "\nB," + tag + "\nC," + tag + "\n");
  const auto result = Cli({"import", "Contact", path, "--skip-lines", "2", "--allow-duplicates"});
  EXPECT_THAT(result.out, HasSubstr("2 created"));
  EXPECT_EQ(Count(tag), 2);
}

TEST_F(ImportExportTest, WhatIsExportedImportsAsTheSameRecords) {
  const std::string tag = UniqueName("Trip");
  ApiClient admin = env_->Admin();
  const json::object original{{"firstName", "Ünïcode, \"quoted\""},
                              {"lastName", tag},
                              {"description", "line one\nline two"},
                              {"emailAddress", "trip" + tag + "@example.com"},
                              {"doNotCall", true}};
  ASSERT_HTTP_STATUS(admin.Post("/Contact", original), 200);
  for (const std::string format : {"csv", "jsonl"}) {
    const HttpResponse exported = admin.Get("/Contact/action/export?format=" + format + "&" +
                                            EqualsWhereQuery("lastName", tag));
    ASSERT_HTTP_STATUS(exported, 200);
    const std::string copy_tag = tag + format;
    std::string body = exported.body;
    // The copy under another last name (and address) so that it is no duplicate of the original.
    for (auto at = body.find(tag); at != std::string::npos;
         at = body.find(tag, at + copy_tag.size())) {
      body.replace(at, tag.size(), copy_tag);
    }
    const std::string path = WriteFile(copy_tag + "." + format, body);
    const auto imported = Cli({"import", "Contact", path});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    const HttpResponse copy =
        admin.Get("/Contact/action/export?format=jsonl&" + EqualsWhereQuery("lastName", copy_tag));
    const auto lines = Lines(copy.body);
    ASSERT_EQ(lines.size(), 1u) << copy.body;
    json::object expected = original;
    expected["lastName"] = copy_tag;
    expected["emailAddress"] = "trip" + copy_tag + "@example.com";
    EXPECT_TRUE(HasAttributes(ParseJson(lines[0]), expected)) << format;
  }
}

}  // namespace
}  // namespace crm::apitest
