// Oracle test of the where pipeline: random where trees are compiled to SQL and run against a
// SQLite database filled with random Contact, Account, Opportunity and Team rows (NULLs,
// duplicates, soft-deleted rows, many-to-many links, several email addresses per record, dates
// around "now"); the ids SQLite returns must equal the ids an independent in-memory evaluator of
// the documented semantics selects.
//
// The evaluator is written from espocrm-wire.md section 2.3 and the notes in query/where.hpp, not
// from the compiler: LIKE is matched by its own matcher, dates by its own calendar arithmetic. The
// random generator has a fixed seed (override with CRMD_ORACLE_SEED) that every failure prints, and
// `now` is fixed, so a failure reproduces exactly.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "crm/common/strings.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/where.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"
#include <date/tz.h>

namespace crm::query {
namespace {

namespace json = boost::json;

constexpr std::uint64_t kDefaultSeed = 20240315;
constexpr int kTreesPerEntity = 1200;
constexpr std::string_view kNow = "2024-03-15 10:30:00";
constexpr std::string_view kUser = "user0000000000001";

// --- Data ---

struct Cell {
  bool null = true;
  std::int64_t i = 0;
  double f = 0;
  std::string s;
};

Cell NullCell() { return {}; }
Cell TextCell(std::string s) { return Cell{false, 0, 0, std::move(s)}; }
Cell IntCell(std::int64_t i) { return Cell{false, i, 0, {}}; }
Cell FloatCell(double f) { return Cell{false, 0, f, {}}; }

struct Record {
  std::string id;
  bool deleted = false;
  std::map<std::string, Cell> cells;  // by attribute name; the column is its snake_case
  std::vector<std::string> emails;    // every address, as typed (the first is the primary one)
  std::optional<std::vector<std::string>> positions;  // Team.positionList; nullopt = NULL
};

struct Dataset {
  std::vector<Record> accounts, contacts, opportunities, teams;
  std::vector<std::pair<std::string, std::string>> account_contact;      // account, contact
  std::vector<std::pair<std::string, std::string>> contact_opportunity;  // contact, opportunity
  std::vector<std::tuple<std::string, std::string, std::string>> entity_team;  // type, entity, team

  static const Record* Find(const std::vector<Record>& records, const Cell& id) {
    if (id.null) return nullptr;
    for (const Record& record : records) {
      if (record.id == id.s) return &record;
    }
    return nullptr;
  }
  static const Record* FindLive(const std::vector<Record>& records, const Cell& id) {
    const Record* record = Find(records, id);
    return record != nullptr && !record->deleted ? record : nullptr;
  }
};

// --- Text helpers of the evaluator ---

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsAsciiCi(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool ContainsCi(std::string_view text, std::string_view part) {
  if (part.size() > text.size()) return false;
  for (std::size_t i = 0; i + part.size() <= text.size(); ++i) {
    if (EqualsAsciiCi(text.substr(i, part.size()), part)) return true;
  }
  return false;
}

bool StartsWithCi(std::string_view text, std::string_view part) {
  return part.size() <= text.size() && EqualsAsciiCi(text.substr(0, part.size()), part);
}

bool EndsWithCi(std::string_view text, std::string_view part) {
  return part.size() <= text.size() && EqualsAsciiCi(text.substr(text.size() - part.size()), part);
}

std::vector<std::string> CodePoints(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t length = 1;
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead >= 0xF0) {
      length = 4;
    } else if (lead >= 0xE0) {
      length = 3;
    } else if (lead >= 0xC0) {
      length = 2;
    }
    out.emplace_back(text.substr(i, length));
    i += length;
  }
  return out;
}

// SQL LIKE as SQLite runs it with ESCAPE '\': '%' any run, '_' one character, '\x' a literal x (a
// trailing lone '\' is literal), ASCII letters case-insensitive. Dynamic programming over
// characters.
bool LikeMatch(std::string_view text, std::string_view pattern) {
  struct Token {
    enum { kLiteral, kOne, kAny } kind;
    std::string literal;
  };
  std::vector<Token> tokens;
  const std::vector<std::string> chars = CodePoints(pattern);
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (chars[i] == "\\" && i + 1 < chars.size()) {
      tokens.push_back({Token::kLiteral, chars[++i]});
    } else if (chars[i] == "%") {
      tokens.push_back({Token::kAny, {}});
    } else if (chars[i] == "_") {
      tokens.push_back({Token::kOne, {}});
    } else {
      tokens.push_back({Token::kLiteral, chars[i]});
    }
  }
  const std::vector<std::string> subject = CodePoints(text);
  // match[j] = the first i characters of subject match the first j tokens.
  std::vector<bool> match(tokens.size() + 1, false);
  match[0] = true;
  for (std::size_t j = 0; j < tokens.size(); ++j)
    match[j + 1] = match[j] && tokens[j].kind == Token::kAny;
  for (const std::string& c : subject) {
    std::vector<bool> next(tokens.size() + 1, false);
    for (std::size_t j = 0; j < tokens.size(); ++j) {
      const Token& token = tokens[j];
      if (token.kind == Token::kAny) {
        next[j + 1] = next[j] || match[j + 1] || match[j];
      } else if (token.kind == Token::kOne) {
        next[j + 1] = match[j];
      } else {
        next[j + 1] = match[j] && EqualsAsciiCi(c, token.literal);
      }
    }
    match = std::move(next);
  }
  return match[tokens.size()];
}

// textFilter's '*' wildcard: '*' any run, everything else literal (case-insensitive for ASCII).
bool GlobMatch(std::string_view text, std::string_view glob) {
  if (glob.empty()) return text.empty();
  if (glob[0] == '*') {
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (GlobMatch(text.substr(i), glob.substr(1))) return true;
    }
    return false;
  }
  return !text.empty() && Lower(text[0]) == Lower(glob[0]) &&
         GlobMatch(text.substr(1), glob.substr(1));
}

std::string TrimSpaces(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// --- Dates of the evaluator ---

struct Clock {
  TimePoint now;
  std::string zone;  // context zone
  int fiscal_shift = 0;
};

std::string DayText(date::local_days day) {
  return date::format("%F", date::sys_days(day.time_since_epoch()));
}

std::string InstantText(date::sys_seconds t) { return date::format("%F %T", t); }

date::local_days TodayIn(const Clock& clock, const std::string& zone) {
  const date::time_zone* tz = date::locate_zone(zone);
  return date::floor<date::days>(tz->to_local(clock.now));
}

std::string MidnightUtc(date::local_days day, const std::string& zone) {
  const date::time_zone* tz = date::locate_zone(zone);
  return InstantText(date::floor<std::chrono::seconds>(tz->to_sys(day, date::choose::earliest)));
}

date::local_days MonthStart(int month_index) {  // month_index = year * 12 + (month - 1)
  const int year = month_index >= 0 ? month_index / 12 : (month_index - 11) / 12;
  const int month = month_index - year * 12 + 1;
  return date::local_days{date::year{year} / date::month{static_cast<unsigned>(month)} /
                          date::day{1}};
}

// --- Entities under test ---

enum class Kind { kText, kInt, kFloat, kBool, kDate, kDateTime, kEmail, kArray };

struct AttrSpec {
  std::string name;
  Kind kind;
  std::function<Cell(const Record&)> value;
  std::vector<std::string> samples;  // values seen in the data (as text), for the generator
};

struct LinkSpec {
  std::string name;
  bool belongs_to = false;
  std::function<Cell(const Record&)> foreign_key;               // belongsTo
  std::function<std::set<std::string>(const Record&)> related;  // others: live related ids
  std::vector<std::string> id_pool;                             // ids to filter by
};

struct EntitySpec {
  std::string name;
  std::string table;
  const std::vector<Record>* records = nullptr;
  std::vector<AttrSpec> attributes;
  std::vector<LinkSpec> links;
  std::function<bool(const Record&, const std::string&)> text_filter;  // nullptr: not tested
};

const std::vector<std::string> kZones = {"UTC", "Europe/Berlin", "America/New_York"};

class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* seed_text = std::getenv("CRMD_ORACLE_SEED");
    seed_ = seed_text != nullptr ? std::strtoull(seed_text, nullptr, 10) : kDefaultSeed;
    rng_.seed(seed_);
    clock_.now = *ParseDateTime(kNow);
    auto loaded = metadata::Metadata::LoadDefault("");
    ASSERT_THAT(loaded, testing::IsOk());
    metadata_ = *loaded;
    auto database = store::SqliteDatabase::Open({.path = dir_.File("oracle.db")});
    ASSERT_THAT(database, testing::IsOk());
    database_ = std::move(*database);
    ASSERT_THAT(database_->WriteAndWait([&](store::Connection& conn) {
      return store::MigrateSchema(conn, *metadata_);
    }),
                testing::IsOk());
    MakeData();
    ASSERT_NO_FATAL_FAILURE(InsertData());
    MakeSpecs();
  }

  // --- Random helpers ---

  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(Uniform(0, static_cast<int>(items.size()) - 1))];
  }
  std::string NewId(std::string_view prefix) {
    std::string id(prefix);
    const std::string number = std::to_string(++id_counter_);
    id += std::string(17 - id.size() - number.size(), '0') + number;
    return id;
  }

  // --- Data ---

  Cell MaybeNull(double p, Cell cell) { return Chance(p) ? NullCell() : std::move(cell); }

  // A day the date macros care about: near today, or next to the start of a month, quarter or year.
  date::local_days InterestingDay() {
    const date::local_days today = TodayIn(clock_, "UTC");
    const int kind = Uniform(0, 9);
    if (kind < 5) return today + date::days{Uniform(-9, 9)};
    if (kind < 8) {
      const date::year_month_day ymd{today};
      const int month = static_cast<int>(ymd.year()) * 12 +
                        static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
      return MonthStart(month + Uniform(-15, 4)) + date::days{Uniform(-1, 0)};
    }
    return today + date::days{Uniform(-100, 100)};
  }

  std::string RandomDay() { return DayText(InterestingDay()); }

  std::string RandomInstant() {
    if (Chance(0.4)) {
      // Exactly on a boundary the macros use: now, or a local midnight in one of the zones (or one
      // second before it).
      if (Chance(0.1)) return std::string(kNow);
      std::string midnight = MidnightUtc(InterestingDay(), Pick(kZones));
      if (Chance(0.3))
        midnight = FormatDateTime(*ParseDateTime(midnight) - std::chrono::seconds{1});
      return midnight;
    }
    return FormatDateTime(clock_.now + std::chrono::seconds{Uniform(-40 * 86400, 40 * 86400)});
  }

  std::vector<std::string> RandomEmails(const std::string& local) {
    std::vector<std::string> emails;
    const int count = Uniform(0, 3);
    static const std::vector<std::string> kDomains = {"Acme.example", "mail.test", "x.org"};
    for (int i = 0; i < count; ++i) {
      std::string address = (i == 0 ? local : local + std::to_string(i)) + "@" + Pick(kDomains);
      if (Chance(0.3))
        address[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(address[0])));
      emails.push_back(address);
    }
    return emails;
  }

  void MakeData() {
    static const std::vector<std::string> kAccountNames = {
        "Acme", "Acme Corp", "Beta_1", "Gamma 50%", "delta", "Zoë GmbH", "acme"};
    static const std::vector<std::string> kTypes = {"Customer", "Partner", "Reseller", "",
                                                    "Investor"};
    static const std::vector<std::string> kIndustries = {"Banking", "Software", "Retail"};
    static const std::vector<std::string> kCities = {"Boston", "Berlin", "boston", "Paris"};
    static const std::vector<std::string> kUsers = {std::string(kUser), "user0000000000002"};
    for (int i = 0; i < 90; ++i) {
      Record r;
      r.id = NewId("acc");
      r.deleted = Chance(0.1);
      const std::string name =
          Pick(kAccountNames) + (Chance(0.5) ? " " + std::to_string(i % 7) : "");
      r.cells["name"] = TextCell(name);
      r.cells["type"] = MaybeNull(0.2, TextCell(Pick(kTypes)));
      r.cells["industry"] = MaybeNull(0.3, TextCell(Pick(kIndustries)));
      r.cells["website"] =
          MaybeNull(0.5, TextCell("https://" + ToLowerAscii(Pick(kAccountNames)) + ".example"));
      r.cells["description"] =
          MaybeNull(0.4, TextCell("Notes about " + name + (Chance(0.3) ? " with_under" : "")));
      r.cells["billingAddressCity"] = MaybeNull(0.3, TextCell(Pick(kCities)));
      r.cells["createdAt"] = MaybeNull(0.05, TextCell(RandomInstant()));
      r.cells["assignedUserId"] = MaybeNull(0.3, TextCell(Pick(kUsers)));
      r.cells["versionNumber"] = IntCell(Uniform(1, 5));
      r.emails = RandomEmails("info" + std::to_string(i % 20));
      r.cells["emailAddress"] = r.emails.empty() ? NullCell() : TextCell(r.emails[0]);
      accounts_.push_back(std::move(r));
    }
    static const std::vector<std::string> kFirst = {"John", "Jane",  "jo",    "Jim",
                                                    "Ann",  "Émile", "O'Neil"};
    static const std::vector<std::string> kLast = {"Wire", "Smith", "wire",
                                                   "Doe",  "Wi_re", "100% Pure"};
    static const std::vector<std::string> kTitles = {"CTO", "CEO",      "50% off",
                                                     "a_b", "Director", "cto"};
    static const std::vector<std::string> kSalutations = {"Mr.", "Ms.", "Dr.", ""};
    for (int i = 0; i < 220; ++i) {
      Record r;
      r.id = NewId("con");
      r.deleted = Chance(0.1);
      r.cells["firstName"] = MaybeNull(0.15, TextCell(Pick(kFirst)));
      r.cells["lastName"] = MaybeNull(0.05, TextCell(Pick(kLast)));
      r.cells["title"] = MaybeNull(0.3, TextCell(Pick(kTitles)));
      r.cells["description"] = MaybeNull(0.5, TextCell("met at " + Pick(kCities)));
      r.cells["salutationName"] = MaybeNull(0.3, TextCell(Pick(kSalutations)));
      r.cells["doNotCall"] = IntCell(Chance(0.3) ? 1 : 0);
      r.cells["addressCity"] = MaybeNull(0.3, TextCell(Pick(kCities)));
      r.cells["accountId"] = Chance(0.3) ? NullCell() : TextCell(Pick(accounts_).id);
      r.cells["createdAt"] = MaybeNull(0.05, TextCell(RandomInstant()));
      r.cells["assignedUserId"] = MaybeNull(0.3, TextCell(Pick(kUsers)));
      const Cell& first = r.cells["firstName"];
      r.emails = RandomEmails(first.null ? "someone"
                                         : ToLowerAscii(first.s.substr(0, 2)) + "." +
                                               std::to_string(i % 9));
      r.cells["emailAddress"] = r.emails.empty() ? NullCell() : TextCell(r.emails[0]);
      contacts_.push_back(std::move(r));
    }
    static const std::vector<std::string> kStages = {"Prospecting", "Qualification", "Closed Won",
                                                     "Closed Lost"};
    static const std::vector<std::string> kOpportunityNames = {"Big deal", "Small deal", "big",
                                                               "Renewal"};
    for (int i = 0; i < 160; ++i) {
      Record r;
      r.id = NewId("opp");
      r.deleted = Chance(0.1);
      r.cells["name"] =
          TextCell(Pick(kOpportunityNames) + (Chance(0.5) ? " " + std::to_string(i % 5) : ""));
      r.cells["amount"] = MaybeNull(0.1, FloatCell(static_cast<double>(Uniform(0, 40)) * 250.5));
      r.cells["amountCurrency"] = TextCell("USD");
      r.cells["stage"] = TextCell(Pick(kStages));
      r.cells["probability"] = MaybeNull(0.15, IntCell(Uniform(0, 10) * 10));
      r.cells["closeDate"] = MaybeNull(0.1, TextCell(RandomDay()));
      r.cells["createdAt"] = MaybeNull(0.05, TextCell(RandomInstant()));
      r.cells["accountId"] = Chance(0.2) ? NullCell() : TextCell(Pick(accounts_).id);
      r.cells["contactId"] = Chance(0.3) ? NullCell() : TextCell(Pick(contacts_).id);
      r.cells["assignedUserId"] = MaybeNull(0.3, TextCell(Pick(kUsers)));
      opportunities_.push_back(std::move(r));
    }
    // Opportunities sitting exactly on the boundaries the date types compute (local midnights near
    // today and at month starts, in every zone, and one second before them), so that an off-by-one
    // in a comparison cannot hide.
    const date::local_days today = TodayIn(clock_, "UTC");
    const date::year_month_day ymd{today};
    const int this_month = static_cast<int>(ymd.year()) * 12 +
                           static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
    std::vector<date::local_days> boundary_days;
    for (int offset = -9; offset <= 9; ++offset)
      boundary_days.push_back(today + date::days{offset});
    for (int month = this_month - 15; month <= this_month + 4; ++month)
      boundary_days.push_back(MonthStart(month));
    for (const std::string& zone : kZones) {
      for (const date::local_days day : boundary_days) {
        for (const int before : {0, 1}) {
          Record r;
          r.id = NewId("opb");
          r.cells["name"] = TextCell("Boundary");
          r.cells["amount"] = NullCell();
          r.cells["amountCurrency"] = NullCell();
          r.cells["stage"] = TextCell("Prospecting");
          r.cells["probability"] = NullCell();
          r.cells["closeDate"] = TextCell(DayText(day - date::days{before}));
          r.cells["createdAt"] = TextCell(FormatDateTime(*ParseDateTime(MidnightUtc(day, zone)) -
                                                         std::chrono::seconds{before}));
          r.cells["accountId"] = NullCell();
          r.cells["contactId"] = NullCell();
          r.cells["assignedUserId"] = NullCell();
          opportunities_.push_back(std::move(r));
        }
      }
    }
    static const std::vector<std::string> kPositions = {"Manager", "Developer", "Tester", "Lead"};
    for (int i = 0; i < 40; ++i) {
      Record r;
      r.id = NewId("team");
      r.deleted = Chance(0.1);
      r.cells["name"] = TextCell("Team " + std::to_string(i % 12));
      r.cells["description"] = MaybeNull(0.5, TextCell("team of " + Pick(kPositions)));
      r.cells["createdAt"] = MaybeNull(0.05, TextCell(RandomInstant()));
      if (!Chance(0.15)) {
        std::vector<std::string> positions;
        const int count = Uniform(0, 3);
        for (int k = 0; k < count; ++k) positions.push_back(Pick(kPositions));  // duplicates happen
        r.positions = positions;
      }
      teams_.push_back(std::move(r));
    }
    std::set<std::pair<std::string, std::string>> seen;
    for (int i = 0; i < 300; ++i) {
      auto pair = std::make_pair(Pick(accounts_).id, Pick(contacts_).id);
      if (seen.insert(pair).second) account_contact_.push_back(pair);
    }
    seen.clear();
    for (int i = 0; i < 250; ++i) {
      auto pair = std::make_pair(Pick(contacts_).id, Pick(opportunities_).id);
      if (seen.insert(pair).second) contact_opportunity_.push_back(pair);
    }
    std::set<std::tuple<std::string, std::string, std::string>> seen_teams;
    for (int i = 0; i < 300; ++i) {
      const bool contact = Chance(0.5);
      auto row =
          std::make_tuple(std::string(contact ? "Contact" : "Account"),
                          contact ? Pick(contacts_).id : Pick(accounts_).id, Pick(teams_).id);
      if (seen_teams.insert(row).second) entity_team_.push_back(row);
    }
  }

  // A cell as the SQL parameter its column takes.
  static SqlValue CellParam(const std::string& name, const Cell& cell) {
    if (cell.null) return nullptr;
    if (name == "amount") return cell.f;
    if (name == "doNotCall" || name == "probability" || name == "versionNumber") return cell.i;
    return cell.s;
  }

  static std::string PositionsJson(const std::vector<std::string>& positions) {
    json::array array;
    for (const auto& p : positions) array.emplace_back(p);
    return json::serialize(array);
  }

  void InsertData() {
    const auto insert_records = [&](store::Connection& conn, const std::string& table,
                                    const std::string& type,
                                    const std::vector<Record>& records) -> Status {
      for (const Record& r : records) {
        std::string columns = "\"id\", \"deleted\"";
        std::string values = "?, ?";
        std::vector<SqlValue> params = {r.id, std::int64_t{r.deleted ? 1 : 0}};
        for (const auto& [name, cell] : r.cells) {
          columns += ", " + QuoteIdentifier(ToSnakeCase(name));
          values += ", ?";
          params.push_back(CellParam(name, cell));
        }
        if (r.positions || table == "team") {
          columns += ", \"position_list\"";
          values += ", ?";
          params.push_back(r.positions ? SqlValue(PositionsJson(*r.positions)) : SqlValue(nullptr));
        }
        CRM_RETURN_IF_ERROR(conn.Execute("INSERT INTO " + QuoteIdentifier(table) + " (" + columns +
                                             ") VALUES (" + values + ")",
                                         params)
                                .status());
        bool primary = true;
        for (const std::string& email : r.emails) {
          const std::vector<SqlValue> row = {type, r.id, ToLowerAscii(email),
                                             std::int64_t{primary ? 1 : 0}};
          primary = false;
          CRM_RETURN_IF_ERROR(
              conn.Execute("INSERT OR IGNORE INTO \"entity_email_address\" (\"entity_type\", "
                           "\"entity_id\", \"lower\", \"is_primary\") VALUES (?, ?, ?, ?)",
                           row)
                  .status());
        }
      }
      return Status();
    };
    ASSERT_THAT(database_->WriteAndWait([&](store::Connection& conn) -> Status {
      CRM_RETURN_IF_ERROR(insert_records(conn, "account", "Account", accounts_));
      CRM_RETURN_IF_ERROR(insert_records(conn, "contact", "Contact", contacts_));
      CRM_RETURN_IF_ERROR(insert_records(conn, "opportunity", "Opportunity", opportunities_));
      CRM_RETURN_IF_ERROR(insert_records(conn, "team", "Team", teams_));
      for (const auto& [account, contact] : account_contact_) {
        const std::vector<SqlValue> row = {account, contact};
        CRM_RETURN_IF_ERROR(conn.Execute("INSERT INTO \"account_contact\" (\"account_id\", "
                                         "\"contact_id\") VALUES (?, ?)",
                                         row)
                                .status());
      }
      for (const auto& [contact, opportunity] : contact_opportunity_) {
        const std::vector<SqlValue> row = {contact, opportunity};
        CRM_RETURN_IF_ERROR(conn.Execute("INSERT INTO \"contact_opportunity\" (\"contact_id\", "
                                         "\"opportunity_id\") VALUES (?, ?)",
                                         row)
                                .status());
      }
      for (const auto& [type, entity, team] : entity_team_) {
        const std::vector<SqlValue> row = {type, entity, team};
        CRM_RETURN_IF_ERROR(
            conn.Execute("INSERT INTO \"entity_team\" (\"entity_type\", \"entity_id\", "
                         "\"team_id\") VALUES (?, ?, ?)",
                         row)
                .status());
      }
      return Status();
    }),
                testing::IsOk());
  }

  // --- Specs ---

  static std::function<Cell(const Record&)> Column(std::string name) {
    return [name](const Record& r) {
      const auto it = r.cells.find(name);
      return it == r.cells.end() ? NullCell() : it->second;
    };
  }

  static Cell PersonName(const Record& r) {
    const Cell& first = r.cells.at("firstName");
    const Cell& last = r.cells.at("lastName");
    const std::string name =
        TrimSpaces((first.null ? "" : first.s) + " " + (last.null ? "" : last.s));
    return name.empty() ? NullCell() : TextCell(name);
  }

  // A column of the record behind a belongsTo link; `live` also requires that record not be
  // deleted.
  std::function<Cell(const Record&)> Foreign(const std::vector<Record>& others,
                                             std::string link_key,
                                             std::function<Cell(const Record&)> value, bool live) {
    return [&others, link_key, value, live](const Record& r) {
      const Cell& key = r.cells.at(link_key);
      const Record* other = live ? Dataset::FindLive(others, key) : Dataset::Find(others, key);
      return other == nullptr ? NullCell() : value(*other);
    };
  }

  // Live records of `others` whose `key` column holds the record's id.
  static std::function<std::set<std::string>(const Record&)> OneToMany(
      const std::vector<Record>& others, std::string key) {
    return [&others, key](const Record& r) {
      std::set<std::string> ids;
      for (const Record& other : others) {
        const Cell& fk = other.cells.at(key);
        if (!other.deleted && !fk.null && fk.s == r.id) ids.insert(other.id);
      }
      return ids;
    };
  }

  // Live records linked through a join table given as (near, far) pairs.
  static std::function<std::set<std::string>(const Record&)> ManyToMany(
      const std::vector<std::pair<std::string, std::string>>& pairs,
      const std::vector<Record>& others) {
    return [&pairs, &others](const Record& r) {
      std::set<std::string> ids;
      for (const auto& [near, far] : pairs) {
        if (near == r.id && Dataset::FindLive(others, TextCell(far)) != nullptr) ids.insert(far);
      }
      return ids;
    };
  }

  std::function<std::set<std::string>(const Record&)> Teams(std::string type) {
    return [this, type](const Record& r) {
      std::set<std::string> ids;
      for (const auto& [entity_type, entity, team] : entity_team_) {
        if (entity_type == type && entity == r.id &&
            Dataset::FindLive(teams_, TextCell(team)) != nullptr) {
          ids.insert(team);
        }
      }
      return ids;
    };
  }

  std::vector<std::string> IdPool(const std::vector<Record>& records) {
    std::vector<std::string> pool;
    for (const Record& r : records) pool.push_back(r.id);
    pool.push_back("00000000000000000");  // no such record
    return pool;
  }

  static std::vector<std::pair<std::string, std::string>> Reversed(
      const std::vector<std::pair<std::string, std::string>>& pairs) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [a, b] : pairs) out.emplace_back(b, a);
    return out;
  }

  // textFilter over name parts, the composed name and every email address (Contact), or over the
  // name and email addresses (Account): starts-with, '*' as the only wildcard, emails skipped for
  // terms with a space.
  static bool TextFilterMatches(const std::vector<Cell>& texts,
                                const std::vector<std::string>& emails, const std::string& term) {
    const bool wildcard = term.find('*') != std::string::npos;
    const auto matches = [&](const std::string& text) {
      return wildcard ? GlobMatch(text, term) : StartsWithCi(text, term);
    };
    for (const Cell& text : texts) {
      if (!text.null && matches(text.s)) return true;
    }
    if (term.find(' ') == std::string::npos) {
      for (const std::string& email : emails) {
        if (matches(ToLowerAscii(email))) return true;
      }
    }
    return false;
  }

  void MakeSpecs() {
    reversed_account_contact_ = Reversed(account_contact_);
    reversed_contact_opportunity_ = Reversed(contact_opportunity_);

    EntitySpec contact{"Contact", "contact", &contacts_, {}, {}, {}};
    contact.attributes = {
        {"firstName", Kind::kText, Column("firstName"), {}},
        {"lastName", Kind::kText, Column("lastName"), {}},
        {"title", Kind::kText, Column("title"), {}},
        {"description", Kind::kText, Column("description"), {}},
        {"salutationName", Kind::kText, Column("salutationName"), {}},
        {"addressCity", Kind::kText, Column("addressCity"), {}},
        {"emailAddress", Kind::kEmail, Column("emailAddress"), {}},
        {"doNotCall", Kind::kBool, Column("doNotCall"), {}},
        {"accountId", Kind::kText, Column("accountId"), {}},
        {"assignedUserId", Kind::kText, Column("assignedUserId"), {}},
        {"createdAt", Kind::kDateTime, Column("createdAt"), {}},
        {"name", Kind::kText, PersonName, {}},
        // Foreign fields and link names, like link.attribute, see only live linked records.
        {"accountType", Kind::kText, Foreign(accounts_, "accountId", Column("type"), true), {}},
        {"accountName", Kind::kText, Foreign(accounts_, "accountId", Column("name"), true), {}},
        {"account.type", Kind::kText, Foreign(accounts_, "accountId", Column("type"), true), {}},
        {"account.name", Kind::kText, Foreign(accounts_, "accountId", Column("name"), true), {}},
        {"account.createdAt",
         Kind::kDateTime,
         Foreign(accounts_, "accountId", Column("createdAt"), true),
         {}},
    };
    contact.links = {
        {"account", true, Column("accountId"), {}, IdPool(accounts_)},
        {"accounts",
         false,
         {},
         ManyToMany(reversed_account_contact_, accounts_),
         IdPool(accounts_)},
        {"opportunities",
         false,
         {},
         ManyToMany(contact_opportunity_, opportunities_),
         IdPool(opportunities_)},
        {"opportunitiesPrimary",
         false,
         {},
         OneToMany(opportunities_, "contactId"),
         IdPool(opportunities_)},
        {"teams", false, {}, Teams("Contact"), IdPool(teams_)},
    };
    contact.text_filter = [](const Record& r, const std::string& term) {
      return TextFilterMatches({r.cells.at("firstName"), r.cells.at("lastName"), PersonName(r)},
                               r.emails, term);
    };

    EntitySpec account{"Account", "account", &accounts_, {}, {}, {}};
    account.attributes = {
        {"name", Kind::kText, Column("name"), {}},
        {"type", Kind::kText, Column("type"), {}},
        {"industry", Kind::kText, Column("industry"), {}},
        {"website", Kind::kText, Column("website"), {}},
        {"description", Kind::kText, Column("description"), {}},
        {"billingAddressCity", Kind::kText, Column("billingAddressCity"), {}},
        {"emailAddress", Kind::kEmail, Column("emailAddress"), {}},
        {"createdAt", Kind::kDateTime, Column("createdAt"), {}},
        {"assignedUserId", Kind::kText, Column("assignedUserId"), {}},
        {"versionNumber", Kind::kInt, Column("versionNumber"), {}},
    };
    account.links = {
        {"contactsPrimary", false, {}, OneToMany(contacts_, "accountId"), IdPool(contacts_)},
        {"opportunities",
         false,
         {},
         OneToMany(opportunities_, "accountId"),
         IdPool(opportunities_)},
        {"contacts", false, {}, ManyToMany(account_contact_, contacts_), IdPool(contacts_)},
        {"teams", false, {}, Teams("Account"), IdPool(teams_)},
    };
    account.text_filter = [](const Record& r, const std::string& term) {
      return TextFilterMatches({r.cells.at("name")}, r.emails, term);
    };

    EntitySpec opportunity{"Opportunity", "opportunity", &opportunities_, {}, {}, {}};
    opportunity.attributes = {
        {"name", Kind::kText, Column("name"), {}},
        {"amount", Kind::kFloat, Column("amount"), {}},
        {"amountCurrency", Kind::kText, Column("amountCurrency"), {}},
        {"stage", Kind::kText, Column("stage"), {}},
        {"probability", Kind::kInt, Column("probability"), {}},
        {"closeDate", Kind::kDate, Column("closeDate"), {}},
        {"createdAt", Kind::kDateTime, Column("createdAt"), {}},
        {"accountId", Kind::kText, Column("accountId"), {}},
        {"contactId", Kind::kText, Column("contactId"), {}},
        {"account.name", Kind::kText, Foreign(accounts_, "accountId", Column("name"), true), {}},
        {"contact.name", Kind::kText, Foreign(contacts_, "contactId", PersonName, true), {}},
        {"contact.doNotCall",
         Kind::kBool,
         Foreign(contacts_, "contactId", Column("doNotCall"), true),
         {}},
    };
    opportunity.links = {
        {"account", true, Column("accountId"), {}, IdPool(accounts_)},
        {"contact", true, Column("contactId"), {}, IdPool(contacts_)},
        {"contacts",
         false,
         {},
         ManyToMany(reversed_contact_opportunity_, contacts_),
         IdPool(contacts_)},
    };

    EntitySpec team{"Team", "team", &teams_, {}, {}, {}};
    team.attributes = {
        {"name", Kind::kText, Column("name"), {}},
        {"description", Kind::kText, Column("description"), {}},
        {"createdAt", Kind::kDateTime, Column("createdAt"), {}},
        {"positionList",
         Kind::kArray,
         Column("positionList"),
         {"Manager", "Developer", "Tester", "Lead", "Boss"}},
    };

    specs_ = {std::move(contact), std::move(account), std::move(opportunity), std::move(team)};
    for (EntitySpec& spec : specs_) {
      for (AttrSpec& attribute : spec.attributes) {
        if (!attribute.samples.empty()) continue;
        std::set<std::string> samples;
        for (const Record& r : *spec.records) {
          const Cell cell = attribute.value(r);
          if (cell.null) continue;
          switch (attribute.kind) {
            case Kind::kInt:
            case Kind::kBool:
              samples.insert(std::to_string(cell.i));
              break;
            case Kind::kFloat:
              samples.insert(std::to_string(cell.f));
              break;
            default:
              samples.insert(cell.s);
              break;
          }
          for (const std::string& email : r.emails) {
            if (attribute.kind == Kind::kEmail) samples.insert(email);
          }
        }
        attribute.samples.assign(samples.begin(), samples.end());
        if (attribute.samples.empty()) attribute.samples.push_back("x");
      }
    }
  }

  // --- Random where trees ---

  // A text value near the data: a sample, or a piece of one, with its case changed now and then.
  std::string NearText(const AttrSpec& attribute) {
    std::string text = Pick(attribute.samples);
    if (Chance(0.3) && !text.empty()) {
      // A run of whole characters, so that the value stays valid UTF-8.
      const std::vector<std::string> chars = CodePoints(text);
      const int start = Uniform(0, static_cast<int>(chars.size()) - 1);
      const int length = std::min(Uniform(1, 4), static_cast<int>(chars.size()) - start);
      text.clear();
      for (int i = start; i < start + length; ++i) text += chars[static_cast<std::size_t>(i)];
    }
    if (Chance(0.3)) {
      for (char& c : text)
        c = Chance(0.5) ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    }
    if (Chance(0.05)) text += "\\";
    return text;
  }

  json::value ScalarValue(const AttrSpec& attribute) {
    switch (attribute.kind) {
      case Kind::kInt: {
        const std::int64_t number =
            Chance(0.8) ? std::stoll(Pick(attribute.samples)) : Uniform(-5, 105);
        if (Chance(0.5)) return json::value(std::to_string(number));
        return json::value(number);
      }
      case Kind::kFloat: {
        const double number =
            Chance(0.8) ? std::stod(Pick(attribute.samples)) : Uniform(0, 10000) + 0.5;
        if (Chance(0.3)) return json::value(std::to_string(number));
        return json::value(number);
      }
      case Kind::kBool: {
        const bool flag = Chance(0.5);
        switch (Uniform(0, 2)) {
          case 0:
            return json::value(flag);
          case 1:
            return json::value(flag ? "true" : "false");
          default:
            return json::value(flag ? "1" : "0");
        }
      }
      case Kind::kDate:
        return json::value(Chance(0.7) ? Pick(attribute.samples) : RandomDay());
      case Kind::kDateTime:
        if (Chance(0.3)) return json::value(RandomDay());
        return json::value(Chance(0.5) ? Pick(attribute.samples) : RandomInstant());
      default:
        return json::value(NearText(attribute));
    }
  }

  // A pattern is text: a number or date as (a piece of) its text, a flag as 0, 1 or '%'.
  json::value PatternValue(const AttrSpec& attribute) {
    switch (attribute.kind) {
      case Kind::kText:
      case Kind::kEmail:
        return json::value(NearText(attribute));
      case Kind::kBool:
        return json::value(Pick(std::vector<std::string>{"0", "1", "%"}));
      default: {
        const std::string text = Text(ScalarValue(attribute));
        return json::value(
            text.substr(0, static_cast<std::size_t>(Uniform(1, static_cast<int>(text.size())))));
      }
    }
  }

  json::array ScalarList(const AttrSpec& attribute, int max) {
    json::array values;
    const int count = Uniform(0, max);
    for (int i = 0; i < count; ++i) values.push_back(ScalarValue(attribute));
    return values;
  }

  json::object RandomAttributeItem(const EntitySpec& spec) {
    const AttrSpec& attribute = Pick(spec.attributes);
    std::vector<std::string> types = {"isNull", "isNotNull", "ever", "any", "none"};
    const std::vector<std::string> comparisons = {"greaterThan", "lessThan", "greaterThanOrEquals",
                                                  "lessThanOrEquals"};
    const std::vector<std::string> dates = {"today",
                                            "past",
                                            "future",
                                            "lastSevenDays",
                                            "lastXDays",
                                            "nextXDays",
                                            "olderThanXDays",
                                            "afterXDays",
                                            "currentMonth",
                                            "lastMonth",
                                            "nextMonth",
                                            "currentQuarter",
                                            "lastQuarter",
                                            "currentYear",
                                            "lastYear",
                                            "currentFiscalYear",
                                            "lastFiscalYear",
                                            "currentFiscalQuarter",
                                            "lastFiscalQuarter",
                                            "on",
                                            "notOn",
                                            "after",
                                            "before",
                                            "between"};
    // EspoCRM applies these to any attribute (Select/Where/ItemGeneralConverter.php); off dates,
    // after, before, on and notOn are plain comparisons.
    const std::vector<std::string> patterns = {"like",        "notLike",    "contains",
                                               "notContains", "startsWith", "endsWith"};
    const std::vector<std::string> plain = {"between", "after", "before", "on", "notOn"};
    const std::vector<std::string> arrays = {"arrayAnyOf", "arrayNoneOf", "arrayAllOf",
                                             "arrayIsEmpty", "arrayIsNotEmpty"};
    switch (attribute.kind) {
      case Kind::kText:
      case Kind::kEmail:
        types.insert(types.end(), {"equals", "notEquals", "in", "notIn", "equals", "startsWith"});
        types.insert(types.end(), patterns.begin(), patterns.end());
        types.insert(types.end(), comparisons.begin(), comparisons.end());
        types.insert(types.end(), plain.begin(), plain.end());
        types.insert(types.end(), arrays.begin(), arrays.end());
        break;
      case Kind::kInt:
      case Kind::kFloat:
        types.insert(types.end(),
                     {"equals", "notEquals", "in", "notIn", "equals", "isTrue", "isFalse"});
        types.insert(types.end(), comparisons.begin(), comparisons.end());
        types.insert(types.end(), plain.begin(), plain.end());
        types.insert(types.end(), patterns.begin(), patterns.end());
        types.insert(types.end(), arrays.begin(), arrays.end());
        break;
      case Kind::kBool:
        types.insert(types.end(), {"equals", "notEquals", "isTrue", "isFalse", "in", "isTrue"});
        types.insert(types.end(), comparisons.begin(), comparisons.end());
        types.insert(types.end(), plain.begin(), plain.end());
        types.insert(types.end(), patterns.begin(), patterns.end());
        break;
      case Kind::kDate:
      case Kind::kDateTime:
        types.insert(types.end(), {"equals", "notEquals", "in", "notIn"});
        types.insert(types.end(), comparisons.begin(), comparisons.end());
        types.insert(types.end(), dates.begin(), dates.end());
        types.insert(types.end(), dates.begin(), dates.end());
        types.insert(types.end(), patterns.begin(), patterns.end());
        types.insert(types.end(), arrays.begin(), arrays.end());
        break;
      case Kind::kArray:
        types = {"arrayAnyOf", "arrayNoneOf", "arrayAllOf", "arrayIsEmpty", "arrayIsNotEmpty",
                 "arrayAnyOf", "arrayAllOf",  "isNull",     "isNotNull"};
        break;
    }
    const std::string type = Pick(types);
    json::object item;
    item["type"] = type;
    item[Chance(0.2) ? "field" : "attribute"] = attribute.name;
    static const std::set<std::string> kWithoutValue = {"isNull",
                                                        "isNotNull",
                                                        "ever",
                                                        "any",
                                                        "none",
                                                        "isTrue",
                                                        "isFalse",
                                                        "arrayIsEmpty",
                                                        "arrayIsNotEmpty",
                                                        "today",
                                                        "past",
                                                        "future",
                                                        "lastSevenDays",
                                                        "currentMonth",
                                                        "lastMonth",
                                                        "nextMonth",
                                                        "currentQuarter",
                                                        "lastQuarter",
                                                        "currentYear",
                                                        "lastYear",
                                                        "currentFiscalYear",
                                                        "lastFiscalYear",
                                                        "currentFiscalQuarter",
                                                        "lastFiscalQuarter"};
    if (kWithoutValue.count(type) > 0) {
      // No value.
    } else if (type == "in" || type == "notIn") {
      item["value"] = ScalarList(attribute, 3);
    } else if (type == "between") {
      json::array range;
      range.push_back(ScalarValue(attribute));
      range.push_back(ScalarValue(attribute));
      item["value"] = std::move(range);
    } else if (type == "lastXDays" || type == "nextXDays" || type == "olderThanXDays" ||
               type == "afterXDays") {
      const int days = Uniform(0, 45);
      item["value"] = Chance(0.5) ? json::value(std::to_string(days)) : json::value(days);
    } else if (type == "arrayAnyOf" || type == "arrayNoneOf" || type == "arrayAllOf") {
      item["value"] = Chance(0.2) ? ScalarValue(attribute) : json::value(ScalarList(attribute, 3));
    } else if (std::find(patterns.begin(), patterns.end(), type) != patterns.end()) {
      item["value"] = PatternValue(attribute);
    } else if ((type == "equals" || type == "notEquals") && Chance(0.07)) {
      item["value"] = nullptr;
    } else {
      item["value"] = ScalarValue(attribute);
    }
    if (attribute.kind == Kind::kDate || attribute.kind == Kind::kDateTime) {
      if (Chance(0.4)) item["timeZone"] = Pick(kZones);
      if (attribute.kind == Kind::kDateTime && Chance(0.5))
        item["dateTime"] = Chance(0.5) ? json::value(true) : "true";
    }
    return item;
  }

  json::object RandomLinkItem(const EntitySpec& spec) {
    const LinkSpec& link = Pick(spec.links);
    static const std::vector<std::string> kTypes = {"linkedWith", "notLinkedWith", "linkedWithAll",
                                                    "isLinked", "isNotLinked"};
    const std::string type = Pick(kTypes);
    json::object item;
    item["type"] = type;
    item["attribute"] = link.name;
    if (type == "linkedWith" || type == "notLinkedWith" || type == "linkedWithAll") {
      json::array ids;
      const int count = Uniform(type == "linkedWithAll" ? 1 : 0, 3);
      for (int i = 0; i < count; ++i) ids.emplace_back(Pick(link.id_pool));
      item["value"] = ids.size() == 1 && Chance(0.5) ? ids[0] : json::value(std::move(ids));
    }
    return item;
  }

  json::object RandomItem(const EntitySpec& spec, int depth) {
    if (depth < 3 && Chance(0.25)) {
      json::object group;
      group["type"] = Chance(0.5) ? "and" : "or";
      json::array children;
      const int count = Uniform(0, 3);
      for (int i = 0; i < count; ++i) children.push_back(RandomItem(spec, depth + 1));
      group["value"] = std::move(children);
      return group;
    }
    if (!spec.links.empty() && Chance(0.15)) return RandomLinkItem(spec);
    return RandomAttributeItem(spec);
  }

  // --- The evaluator ---

  struct TreeContext {
    std::string zone;
    int fiscal_shift = 0;
  };

  static std::string Text(const json::value& value) {
    if (value.is_string()) return std::string(value.get_string());
    if (value.is_int64()) return std::to_string(value.get_int64());
    if (value.is_double()) {
      char buffer[64];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
      return std::string(buffer, result.ptr);
    }
    return json::serialize(value);
  }

  // A cell as SQLite's CAST(... AS TEXT) reads it: a REAL keeps a ".0" when it is whole.
  static std::string CellText(const Cell& cell, Kind kind) {
    switch (kind) {
      case Kind::kInt:
      case Kind::kBool:
        return std::to_string(cell.i);
      case Kind::kFloat: {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.15g", cell.f);
        std::string text = buffer;
        if (text.find_first_of(".en") == std::string::npos) text += ".0";
        return text;
      }
      default:
        return cell.s;
    }
  }

  static std::int64_t IntOf(const json::value& value) {
    if (value.is_int64()) return value.get_int64();
    return std::stoll(std::string(value.get_string()));
  }

  static double FloatOf(const json::value& value) {
    if (value.is_number()) return value.to_number<double>();
    return std::stod(std::string(value.get_string()));
  }

  static std::int64_t BoolOf(const json::value& value) {
    if (value.is_bool()) return value.get_bool() ? 1 : 0;
    const std::string text(value.get_string());
    return text == "true" || text == "1" ? 1 : 0;
  }

  // -1, 0, 1 comparing a cell with a value of the attribute's kind.
  static int CompareCell(const Cell& cell, const json::value& value, Kind kind) {
    switch (kind) {
      case Kind::kInt:
      case Kind::kBool: {
        const std::int64_t other = kind == Kind::kInt ? IntOf(value) : BoolOf(value);
        return cell.i < other ? -1 : cell.i > other ? 1 : 0;
      }
      case Kind::kFloat: {
        const double other = FloatOf(value);
        return cell.f < other ? -1 : cell.f > other ? 1 : 0;
      }
      case Kind::kDateTime: {
        std::string other = Text(value);
        if (other.size() == 10) other += " 00:00:00";
        if (other.size() == 16) other += ":00";
        const int c = cell.s.compare(other);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
      default: {
        const int c = cell.s.compare(Text(value));
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      }
    }
  }

  bool EvalDate(const json::object& item, const std::string& type, const Cell& cell, Kind kind,
                const TreeContext& tree) {
    if (cell.null) return false;
    const std::string zone =
        item.contains("timeZone") ? std::string(item.at("timeZone").get_string()) : tree.zone;
    const bool timed = kind == Kind::kDateTime;
    const std::string& s = cell.s;
    const date::local_days today = TodayIn(clock_, zone);
    const std::string now(kNow);
    const auto day = [](date::local_days d) { return DayText(d); };
    const auto start = [&](date::local_days d) { return MidnightUtc(d, zone); };
    const auto days = [&]() { return date::days{IntOf(item.at("value"))}; };
    const date::days one{1};
    if (type == "today")
      return timed ? s >= start(today) && s < start(today + one) : s == day(today);
    if (type == "past") return timed ? s <= now : s < day(today);
    if (type == "future") return timed ? s > now : s > day(today);
    if (type == "lastSevenDays" || type == "lastXDays") {
      const date::local_days first = today - (type == "lastSevenDays" ? date::days{7} : days());
      return timed ? s >= start(first) && s <= now : s >= day(first) && s <= day(today);
    }
    if (type == "nextXDays") {
      const date::local_days last = today + days();
      return timed ? s >= now && s < start(last + one) : s >= day(today) && s <= day(last);
    }
    if (type == "olderThanXDays")
      return timed ? s < start(today - days()) : s < day(today - days());
    if (type == "afterXDays") return timed ? s >= start(today + days()) : s > day(today + days());
    if (type == "on" || type == "notOn" || type == "after" || type == "before" ||
        type == "between") {
      const json::value& value = item.at("value");
      const json::value& first = type == "between" ? value.get_array()[0] : value;
      const std::string first_text = Text(first);
      const bool first_is_day = first_text.size() == 10;
      const auto day_of = [](const std::string& text) {
        return date::local_days{date::floor<date::days>(*ParseDate(text)).time_since_epoch()};
      };
      if (!timed || !first_is_day) {
        if (type == "on") return CompareCell(cell, first, kind) == 0;
        if (type == "notOn") return CompareCell(cell, first, kind) != 0;
        if (type == "after") return CompareCell(cell, first, kind) > 0;
        if (type == "before") return CompareCell(cell, first, kind) < 0;
      } else {
        const date::local_days d = day_of(first_text);
        if (type == "on") return s >= start(d) && s < start(d + one);
        if (type == "notOn") return s < start(d) || s >= start(d + one);
        if (type == "after") return s >= start(d + one);
        if (type == "before") return s < start(d);
      }
      // between
      const json::value& last = value.get_array()[1];
      const std::string last_text = Text(last);
      const bool lower_ok = timed && first_is_day ? s >= start(day_of(first_text))
                                                  : CompareCell(cell, first, kind) >= 0;
      const bool upper_ok = timed && last_text.size() == 10 ? s < start(day_of(last_text) + one)
                                                            : CompareCell(cell, last, kind) <= 0;
      return lower_ok && upper_ok;
    }
    // Month, quarter and year periods, in the context zone.
    const date::year_month_day ymd{TodayIn(clock_, tree.zone)};
    const int month = static_cast<int>(ymd.year()) * 12 +
                      static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
    const int in_year = month % 12;
    const int fiscal = ((in_year - tree.fiscal_shift) % 12 + 12) % 12;
    int first = month;
    int length = 1;
    if (type == "lastMonth") first = month - 1;
    if (type == "nextMonth") first = month + 1;
    if (type == "currentQuarter" || type == "lastQuarter") {
      first = month - in_year % 3 - (type == "lastQuarter" ? 3 : 0);
      length = 3;
    }
    if (type == "currentYear" || type == "lastYear") {
      first = month - in_year - (type == "lastYear" ? 12 : 0);
      length = 12;
    }
    if (type == "currentFiscalYear" || type == "lastFiscalYear") {
      first = month - fiscal - (type == "lastFiscalYear" ? 12 : 0);
      length = 12;
    }
    if (type == "currentFiscalQuarter" || type == "lastFiscalQuarter") {
      first = month - fiscal % 3 - (type == "lastFiscalQuarter" ? 3 : 0);
      length = 3;
    }
    const date::local_days from = MonthStart(first);
    const date::local_days to = MonthStart(first + length);
    if (timed) return s >= MidnightUtc(from, tree.zone) && s < MidnightUtc(to, tree.zone);
    return s >= day(from) && s < day(to);
  }

  bool EvalEmail(const std::string& type, const json::object& item, const Record& r,
                 const Cell& primary) {
    std::vector<std::string> lowered;
    for (const std::string& email : r.emails) lowered.push_back(ToLowerAscii(email));
    const auto any = [&](const std::function<bool(const std::string&)>& test) {
      return std::any_of(lowered.begin(), lowered.end(), test);
    };
    const json::value* value = item.if_contains("value");
    if ((type == "equals" || type == "notEquals") && (value == nullptr || value->is_null())) {
      return type == "equals" ? primary.null : !primary.null;
    }
    if (type == "equals" || type == "notEquals") {
      const std::string v = ToLowerAscii(Text(*value));
      const bool found = any([&](const std::string& e) { return e == v; });
      return type == "equals" ? found : !found;
    }
    if (type == "in" || type == "notIn") {
      std::set<std::string> values;
      for (const auto& v : value->get_array()) values.insert(ToLowerAscii(Text(v)));
      const bool found = any([&](const std::string& e) { return values.count(e) > 0; });
      return type == "in" ? found : !found;
    }
    if (type == "like" || type == "notLike") {
      const bool found =
          any([&](const std::string& e) { return LikeMatch(e, ToLowerAscii(Text(*value))); });
      return type == "like" ? found : !found;
    }
    const std::string v = Text(*value);
    if (type == "contains") return any([&](const std::string& e) { return ContainsCi(e, v); });
    if (type == "notContains") return !any([&](const std::string& e) { return ContainsCi(e, v); });
    if (type == "startsWith") return any([&](const std::string& e) { return StartsWithCi(e, v); });
    return any([&](const std::string& e) { return EndsWithCi(e, v); });  // endsWith
  }

  bool EvalArray(const std::string& type, const json::object& item, const Record& r) {
    const std::vector<std::string> positions = r.positions.value_or(std::vector<std::string>{});
    std::set<std::string> wanted;
    if (const json::value* value = item.if_contains("value")) {
      if (value->is_array()) {
        for (const auto& v : value->get_array()) wanted.insert(Text(v));
      } else {
        wanted.insert(Text(*value));
      }
    }
    const auto has = [&](const std::string& v) {
      return std::find(positions.begin(), positions.end(), v) != positions.end();
    };
    if (type == "arrayAnyOf") return std::any_of(wanted.begin(), wanted.end(), has);
    if (type == "arrayNoneOf") return std::none_of(wanted.begin(), wanted.end(), has);
    if (type == "arrayAllOf") return std::all_of(wanted.begin(), wanted.end(), has);
    if (type == "arrayIsEmpty") return positions.empty();
    if (type == "arrayIsNotEmpty") return !positions.empty();
    if (type == "isNull") return !r.positions.has_value();
    return r.positions.has_value();  // isNotNull
  }

  bool EvalLink(const json::object& item, const EntitySpec& spec, const Record& r) {
    const std::string type(item.at("type").get_string());
    const std::string name(item.at("attribute").get_string());
    const LinkSpec& link = *std::find_if(spec.links.begin(), spec.links.end(),
                                         [&](const LinkSpec& l) { return l.name == name; });
    std::set<std::string> ids;
    if (const json::value* value = item.if_contains("value")) {
      if (value->is_array()) {
        for (const auto& v : value->get_array()) ids.insert(Text(v));
      } else {
        ids.insert(Text(*value));
      }
    }
    if (link.belongs_to) {
      const Cell fk = link.foreign_key(r);
      if (type == "isLinked") return !fk.null;
      if (type == "isNotLinked") return fk.null;
      const bool in = !fk.null && ids.count(fk.s) > 0;
      if (type == "linkedWith") return in;
      if (type == "notLinkedWith") return !in;
      return ids.size() == 1 && in;  // linkedWithAll
    }
    const std::set<std::string> related = link.related(r);
    if (type == "isLinked") return !related.empty();
    if (type == "isNotLinked") return related.empty();
    const auto linked = [&](const std::string& id) { return related.count(id) > 0; };
    if (type == "linkedWith") return std::any_of(ids.begin(), ids.end(), linked);
    if (type == "notLinkedWith") return std::none_of(ids.begin(), ids.end(), linked);
    return std::all_of(ids.begin(), ids.end(), linked);  // linkedWithAll
  }

  bool Eval(const json::object& item, const EntitySpec& spec, const Record& r,
            const TreeContext& tree) {
    const std::string type(item.at("type").get_string());
    if (type == "and" || type == "or") {
      const json::array& children = item.at("value").get_array();
      for (const auto& child : children) {
        const bool result = Eval(child.get_object(), spec, r, tree);
        if (type == "and" && !result) return false;
        if (type == "or" && result) return true;
      }
      return type == "and";
    }
    if (type == "linkedWith" || type == "notLinkedWith" || type == "linkedWithAll" ||
        type == "isLinked" || type == "isNotLinked") {
      return EvalLink(item, spec, r);
    }
    const json::value* name = item.if_contains("attribute");
    if (name == nullptr) name = item.if_contains("field");
    const AttrSpec& attribute =
        *std::find_if(spec.attributes.begin(), spec.attributes.end(),
                      [&](const AttrSpec& a) { return a.name == name->get_string(); });
    const Cell cell = attribute.value(r);
    if (type == "any") return true;
    if (type == "none") return false;
    if (attribute.kind == Kind::kArray) return EvalArray(type, item, r);
    if (type.rfind("array", 0) == 0) {
      // EspoCRM's array-value table holds nothing for a non-array attribute.
      const json::value* value = item.if_contains("value");
      const bool no_values = value != nullptr && value->is_array() && value->get_array().empty();
      return type == "arrayNoneOf" || type == "arrayIsEmpty" || (type == "arrayAllOf" && no_values);
    }
    if (type == "isNull") return cell.null;
    if (type == "isNotNull" || type == "ever") return !cell.null;
    const bool email_lookup =
        attribute.kind == Kind::kEmail &&
        (type == "equals" || type == "notEquals" || type == "in" || type == "notIn" ||
         type == "like" || type == "notLike" || type == "contains" || type == "notContains" ||
         type == "startsWith" || type == "endsWith" || type == "on" || type == "notOn");
    if (email_lookup) {
      return EvalEmail(type == "on"      ? "equals"
                       : type == "notOn" ? "notEquals"
                                         : type,
                       item, r, cell);
    }
    const json::value* value = item.if_contains("value");
    if (type == "equals" || type == "notEquals") {
      if (value == nullptr || value->is_null()) return type == "equals" ? cell.null : !cell.null;
      if (cell.null) return false;
      return (CompareCell(cell, *value, attribute.kind) == 0) == (type == "equals");
    }
    if (type == "in" || type == "notIn") {
      const json::array& values = value->get_array();
      if (values.empty()) return type == "notIn";
      if (cell.null) return false;
      const bool found = std::any_of(values.begin(), values.end(), [&](const json::value& v) {
        return CompareCell(cell, v, attribute.kind) == 0;
      });
      return found == (type == "in");
    }
    const bool is_float = attribute.kind == Kind::kFloat;
    if (type == "isTrue") return !cell.null && (is_float ? cell.f == 1 : cell.i == 1);
    if (type == "isFalse") return !cell.null && (is_float ? cell.f == 0 : cell.i == 0);
    const bool pattern = type == "like" || type == "notLike" || type == "contains" ||
                         type == "notContains" || type == "startsWith" || type == "endsWith";
    if (attribute.kind == Kind::kDate || attribute.kind == Kind::kDateTime) {
      if (type != "greaterThan" && type != "lessThan" && type != "greaterThanOrEquals" &&
          type != "lessThanOrEquals" && !pattern) {
        return EvalDate(item, type, cell, attribute.kind, tree);
      }
    }
    if (cell.null) return false;
    if (type == "between") {
      const json::array& range = value->get_array();
      return CompareCell(cell, range[0], attribute.kind) >= 0 &&
             CompareCell(cell, range[1], attribute.kind) <= 0;
    }
    if (type == "greaterThan") return CompareCell(cell, *value, attribute.kind) > 0;
    if (type == "lessThan") return CompareCell(cell, *value, attribute.kind) < 0;
    if (type == "greaterThanOrEquals") return CompareCell(cell, *value, attribute.kind) >= 0;
    if (type == "lessThanOrEquals") return CompareCell(cell, *value, attribute.kind) <= 0;
    if (type == "after") return CompareCell(cell, *value, attribute.kind) > 0;
    if (type == "before") return CompareCell(cell, *value, attribute.kind) < 0;
    if (type == "on") return CompareCell(cell, *value, attribute.kind) == 0;
    if (type == "notOn") return CompareCell(cell, *value, attribute.kind) != 0;
    const std::string text = Text(*value);
    const std::string cell_text = CellText(cell, attribute.kind);
    if (type == "like") return LikeMatch(cell_text, text);
    if (type == "notLike") return !LikeMatch(cell_text, text);
    if (type == "contains") return ContainsCi(cell_text, text);
    if (type == "notContains") return !ContainsCi(cell_text, text);
    if (type == "startsWith") return StartsWithCi(cell_text, text);
    if (type == "endsWith") return EndsWithCi(cell_text, text);
    ADD_FAILURE() << "evaluator has no rule for " << type;
    return false;
  }

  // --- Running ---

  std::set<std::string> RunSql(const EntitySpec& spec, const SqlFragment& fragment) {
    std::set<std::string> ids;
    auto conn = database_->ReadConnection();
    EXPECT_THAT(conn, testing::IsOk());
    if (!conn.ok()) return ids;
    std::string sql =
        "SELECT t.\"id\" FROM " + QuoteIdentifier(spec.table) + " t WHERE t.\"deleted\" = 0";
    if (!fragment.sql.empty()) sql += " AND (" + fragment.sql + ")";
    const Status status = (*conn)->Query(sql, fragment.params, [&](const store::Row& row) {
      ids.emplace(row.Text(0));
      return true;
    });
    EXPECT_THAT(status, testing::IsOk()) << sql;
    return ids;
  }

  std::string RandomTerm(const EntitySpec& spec) {
    const AttrSpec& name =
        spec.attributes[spec.name == "Contact" ? static_cast<std::size_t>(Uniform(0, 1)) : 0];
    const std::vector<std::string> chars = CodePoints(Pick(name.samples));
    std::string term;
    const int length = Uniform(1, static_cast<int>(chars.size()));
    for (int i = 0; i < length; ++i) term += chars[static_cast<std::size_t>(i)];
    if (Chance(0.3)) term = ToLowerAscii(term);
    // LIKE folds ASCII case only: "émile" must not find "Émile".
    if (term.rfind("É", 0) == 0 && Chance(0.5)) term.replace(0, std::string("É").size(), "é");
    if (Chance(0.15) && chars.size() > 1) term.insert(chars[0].size(), "*");
    return term;
  }

  // Compiles `where` (plus the text filter and onlyMy when given) for `spec`, runs it, and compares
  // the ids with the evaluator's. Returns the number of matching rows, or nullopt after reporting a
  // failure.
  std::optional<std::size_t> Check(const EntitySpec& spec, const json::array& where,
                                   const TreeContext& tree, const std::optional<std::string>& term,
                                   bool only_my) {
    SearchParams params;
    params.where = where;
    if (term) params.text_filter = *term;
    if (only_my) params.bool_filters.push_back("onlyMy");
    FilterContext context{*metadata_,
                          metadata_->Entity(spec.name),
                          Dialect::kSqlite,
                          clock_.now,
                          kUser,
                          tree.zone,
                          tree.fiscal_shift};
    const auto compiled = CompileFilters(params, context);
    // The text filter's indexed form must select the same rows as its test of each row.
    context.text_filter_by_index = true;
    const auto indexed = CompileFilters(params, context);
    const std::string described =
        spec.name + " zone=" + tree.zone + " shift=" + std::to_string(tree.fiscal_shift) +
        (term ? " textFilter=" + *term : "") + (only_my ? " onlyMy" : "") +
        "\n  where: " + json::serialize(where);
    if (!compiled.ok()) {
      ADD_FAILURE() << "compile failed: " << compiled.status().ToString() << "\n  " << described;
      return std::nullopt;
    }
    if (!indexed.ok()) {
      ADD_FAILURE() << "compile failed: " << indexed.status().ToString() << "\n  " << described;
      return std::nullopt;
    }
    const std::set<std::string> actual = RunSql(spec, *compiled);
    if (indexed->sql != compiled->sql) {
      ++indexed_text_filters_;
      if (RunSql(spec, *indexed) != actual) {
        ADD_FAILURE() << "the text filter's indexed form selects other rows\n  " << described
                      << "\n  sql: " << indexed->sql;
        return std::nullopt;
      }
    }
    std::set<std::string> expected;
    for (const Record& r : *spec.records) {
      if (r.deleted) continue;
      bool match = true;
      for (const auto& item : where) match = match && Eval(item.get_object(), spec, r, tree);
      if (term) match = match && spec.text_filter(r, *term);
      if (only_my) {
        const Cell& assigned = r.cells.at("assignedUserId");
        match = match && !assigned.null && assigned.s == kUser;
      }
      if (match) expected.insert(r.id);
    }
    if (actual != expected) {
      std::string diff;
      for (const auto& id : expected) {
        if (actual.count(id) == 0) diff += " missing:" + id;
      }
      for (const auto& id : actual) {
        if (expected.count(id) == 0) diff += " extra:" + id;
      }
      ADD_FAILURE() << "SQL and evaluator disagree:" << diff << "\n  " << described
                    << "\n  sql: " << compiled->sql;
      return std::nullopt;
    }
    return expected.size();
  }

  std::string SeedTrace() const {
    return "seed " + std::to_string(seed_) +
           " (rerun with CRMD_ORACLE_SEED=" + std::to_string(seed_) + ")";
  }

  std::uint64_t seed_ = kDefaultSeed;
  int indexed_text_filters_ = 0;  // checks whose text filter took its indexed form
  std::mt19937_64 rng_;
  Clock clock_;
  int id_counter_ = 0;
  testing::TempDir dir_;
  std::shared_ptr<const metadata::Metadata> metadata_;
  std::unique_ptr<store::SqliteDatabase> database_;
  std::vector<Record> accounts_, contacts_, opportunities_, teams_;
  std::vector<std::pair<std::string, std::string>> account_contact_, contact_opportunity_;
  std::vector<std::pair<std::string, std::string>> reversed_account_contact_,
      reversed_contact_opportunity_;
  std::vector<std::tuple<std::string, std::string, std::string>> entity_team_;
  std::vector<EntitySpec> specs_;
};

TEST_F(OracleTest, RandomWhereTreesSelectWhatTheEvaluatorSelects) {
  SCOPED_TRACE(SeedTrace());
  std::size_t trees = 0;
  std::size_t matched_rows = 0;
  int failures = 0;
  for (const EntitySpec& spec : specs_) {
    for (int n = 0; n < kTreesPerEntity && failures < 5; ++n) {
      const TreeContext tree{Pick(kZones), Uniform(0, 11)};
      json::array where;
      const int count = Uniform(1, 3);
      for (int i = 0; i < count; ++i) where.push_back(RandomItem(spec, 1));
      std::optional<std::string> term;
      if (spec.text_filter && Chance(0.1)) term = RandomTerm(spec);
      const bool only_my = Chance(0.05) && spec.name != "Team";
      ++trees;
      const auto matched = Check(spec, where, tree, term, only_my);
      if (matched) {
        matched_rows += *matched;
      } else {
        ++failures;
      }
    }
  }
  std::printf("oracle: %zu random where trees, %zu matching rows in all (seed %llu)\n", trees,
              matched_rows, static_cast<unsigned long long>(seed_));
  EXPECT_GE(trees, 4u * kTreesPerEntity);
  // The trees must select something now and then, or the comparison proves little.
  EXPECT_GT(matched_rows, trees * 5);
  EXPECT_GT(indexed_text_filters_, 100);
}

// Every date type, on a date and a date-time attribute, in every zone (item and context), with
// values on and around the boundary rows.
TEST_F(OracleTest, EveryDateTypeAgreesOnTheBoundaries) {
  SCOPED_TRACE(SeedTrace());
  const EntitySpec& spec = *std::find_if(
      specs_.begin(), specs_.end(), [](const EntitySpec& s) { return s.name == "Opportunity"; });
  const date::local_days today = TodayIn(clock_, "UTC");
  const auto day = [&](int offset) { return json::value(DayText(today + date::days{offset})); };
  std::vector<std::pair<std::string, json::value>> typed;  // type, value (null: none)
  for (const char* type :
       {"today", "past", "future", "lastSevenDays", "currentMonth", "lastMonth", "nextMonth",
        "currentQuarter", "lastQuarter", "currentYear", "lastYear", "currentFiscalYear",
        "lastFiscalYear", "currentFiscalQuarter", "lastFiscalQuarter"}) {
    typed.emplace_back(type, nullptr);
  }
  for (const char* type : {"lastXDays", "nextXDays", "olderThanXDays", "afterXDays"}) {
    for (const int days : {0, 1, 5, 9}) typed.emplace_back(type, days);
  }
  for (const char* type : {"on", "notOn", "after", "before"}) {
    for (const int offset : {-2, 0, 1}) typed.emplace_back(type, day(offset));
  }
  typed.emplace_back("between", json::array{day(-3), day(2)});
  typed.emplace_back("between", json::array{day(0), day(0)});
  std::size_t trees = 0;
  std::size_t selecting_trees = 0;
  std::size_t matched_rows = 0;
  int failures = 0;
  for (const std::string attribute : {"closeDate", "createdAt"}) {
    for (const auto& [type, value] : typed) {
      for (const std::string& context_zone : kZones) {
        for (const std::string item_zone : {"", "UTC", "Europe/Berlin", "America/New_York"}) {
          if (failures >= 5) break;
          json::object item{{"type", type}, {"attribute", attribute}};
          if (!value.is_null()) item["value"] = value;
          if (!item_zone.empty()) item["timeZone"] = item_zone;
          const TreeContext tree{context_zone, static_cast<int>(trees % 12)};
          ++trees;
          const auto matched = Check(spec, json::array{item}, tree, std::nullopt, false);
          if (matched) {
            matched_rows += *matched;
            if (*matched > 0) ++selecting_trees;
          } else {
            ++failures;
          }
        }
      }
    }
  }
  std::printf("oracle: %zu date-type trees, %zu of them selecting rows, %zu matching rows in all\n",
              trees, selecting_trees, matched_rows);
  EXPECT_GE(trees, 1000u);
  // Records sit on and around every boundary, so each tree selects some of them; a type that
  // selected nothing would agree with a broken evaluator too.
  EXPECT_EQ(selecting_trees, trees);
  EXPECT_GT(matched_rows, trees * 5);
}

}  // namespace
}  // namespace crm::query
