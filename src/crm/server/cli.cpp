#include "crm/server/cli.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/json/object.hpp>

#include "crm/acl/access_loader.hpp"
#include "crm/api/api_handler.hpp"
#include "crm/api/http_status.hpp"
#include "crm/api/openapi.hpp"
#include "crm/api/routes.hpp"
#include "crm/auth/authenticator.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/auth/stored_credentials.hpp"
#include "crm/common/json.hpp"
#include "crm/http/server.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/ratelimit/memory_rate_limiter.hpp"
#include "crm/ratelimit/quota.hpp"
#include "crm/server/front_handler.hpp"
#include "crm/server/http_limits.hpp"
#include "crm/server/import_commands.hpp"
#include "crm/server/migrate_commands.hpp"
#include "crm/server/role_commands.hpp"
#include "crm/server/shared_database.hpp"
#include "crm/server/webhook_commands.hpp"
#include "crm/service/record_service.hpp"
#include "crm/service/role_admin.hpp"
#include "crm/service/user_admin.hpp"
#include "crm/service/webhook_rules.hpp"
#include "crm/store/open_database.hpp"
#include "crm/store/schema.hpp"
#include "crm/web/static_site.hpp"
#include "crm/webhook/delivery_worker.hpp"

#include <CLI/CLI.hpp>
#include <curl/curl.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace crm::server {
namespace {

constexpr char kVersion[] = "0.1.0";
constexpr char kApiBase[] = "/api/v1";
constexpr char kApiReferencePath[] = "/api-docs/";
constexpr char kDatabaseFile[] = "crmd.db";
// The key that seals HMAC secrets, by default beside the database file (never inside it).
constexpr char kSecretKeyFile[] = "secret.key";
// Advanced by commands that invalidate credentials, read by the server (auth/credential_epoch.hpp).
constexpr char kCredentialEpochFile[] = "credentials.epoch";

struct StoreOptions {
  std::string data_dir = "./data";
  std::string metadata_dir;
  std::string secret_key_file;  // empty: DATA/secret.key
  std::string database;         // a postgres:// URL; empty: the SQLite file DATA/crmd.db
};

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  int threads = 0;
  bool access_log = true;
  int mmap_mib = 0;
  WebhookOptions webhooks;
  std::string rate_limit = "default=1000/h,bulk=100/h,search=500/h,auth-failures=10/m";
  std::vector<std::string> trusted_proxies;
  HttpLimitFlags limits;
};

// Everything a command needs from the data directory: metadata, the migrated database, and the
// key that seals secrets.
struct Environment {
  std::shared_ptr<const metadata::Metadata> metadata;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<auth::SecretBox> secrets;
  std::unique_ptr<auth::CredentialEpoch> epoch;
};

int Fail(const Status& status) {
  std::cerr << "crmd: " << status.message() << "\n";
  return 1;
}

void SetUpLogging() {
  auto logger = spdlog::stderr_logger_mt("crmd");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  spdlog::set_default_logger(logger);
}

// `sqlite` carries the tuning; its path is set here.
Result<Environment> OpenEnvironment(const StoreOptions& options,
                                    store::SqliteOptions sqlite = store::SqliteOptions()) {
  CRM_RETURN_IF_ERROR(auth::InitCrypto());
  Environment env;
  CRM_ASSIGN_OR_RETURN(env.metadata, metadata::Metadata::LoadDefault(options.metadata_dir));
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec)
    return Status::Unavailable("cannot create data directory " + options.data_dir + ": " +
                               ec.message());
  sqlite.path = (std::filesystem::path(options.data_dir) / kDatabaseFile).string();
  CRM_ASSIGN_OR_RETURN(env.db, store::OpenDatabase(options.database, sqlite));
  const metadata::Metadata& metadata = *env.metadata;
  CRM_RETURN_IF_ERROR(env.db->WriteAndWait(
      [&metadata](store::Connection& conn) { return store::MigrateSchema(conn, metadata); }));
  CRM_RETURN_IF_ERROR(RefuseUnfinishedMigration(*env.db));
  CRM_RETURN_IF_ERROR(service::EnsureBuiltInRoles(*env.db, metadata, SystemClock::Instance()));
  const std::filesystem::path key_file =
      options.secret_key_file.empty() ? std::filesystem::path(options.data_dir) / kSecretKeyFile
                                      : std::filesystem::path(options.secret_key_file);
  CRM_ASSIGN_OR_RETURN(auth::SecretBox secrets, auth::SecretBox::LoadOrCreate(key_file));
  env.secrets = std::make_unique<auth::SecretBox>(std::move(secrets));
  CRM_ASSIGN_OR_RETURN(
      auth::CredentialEpoch epoch,
      auth::CredentialEpoch::Open(std::filesystem::path(options.data_dir) / kCredentialEpochFile));
  env.epoch = std::make_unique<auth::CredentialEpoch>(std::move(epoch));
  auth::CredentialMigration migrated;
  CRM_RETURN_IF_ERROR(env.db->WriteAndWait([&](store::Connection& conn) -> Status {
    CRM_ASSIGN_OR_RETURN(migrated, auth::MigrateStoredCredentials(conn, *env.secrets));
    return {};
  }));
  if (migrated.keys_hashed + migrated.secrets_sealed + migrated.webhook_secrets_sealed +
          migrated.events_cleaned >
      0) {
    spdlog::warn(
        "stored credentials migrated: {} plain API keys hashed (column user.api_key cleared, "
        "kept), {} HMAC and {} webhook secrets sealed with {}, {} events stripped of keys",
        migrated.keys_hashed, migrated.secrets_sealed, migrated.webhook_secrets_sealed,
        key_file.string(), migrated.events_cleaned);
  }
  return env;
}

Result<std::pair<std::string, std::uint16_t>> ParseListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::InvalidArgument("--listen must be HOST:PORT, got '" + listen + "'");
  }
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    return Status::InvalidArgument("--listen port must be 0..65535, got '" + port_text + "'");
  }
  return std::make_pair(listen.substr(0, colon), static_cast<std::uint16_t>(port));
}

// `program` is how crmd was invoked (argv[0]), so that the printed command can be pasted as is.
int Serve(const StoreOptions& store_options, const ServeOptions& options,
          const std::string& program) {
  auto listen = ParseListen(options.listen);
  if (!listen.ok()) {
    std::cerr << "crmd: " << listen.status().message() << "\n";
    return 2;
  }
  auto rate_limits = ratelimit::ParseRateLimitConfig(options.rate_limit);
  if (!rate_limits.ok()) {
    std::cerr << "crmd: --rate-limit: " << rate_limits.status().message() << "\n";
    return 2;
  }
  // Signals are taken by one thread with sigwait; every other thread (created below) inherits the
  // mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  store::SqliteOptions sqlite;
  sqlite.mmap_size_bytes = std::int64_t{options.mmap_mib} * 1024 * 1024;
  auto env = OpenEnvironment(store_options, sqlite);
  if (!env.ok()) return Fail(env.status());
  auto has_users = service::AnyUserExists(*env->db);
  if (!has_users.ok()) return Fail(has_users.status());
  std::string admin_password;
  if (!*has_users) {
    const char* preset = std::getenv("CRMD_ADMIN_PASSWORD");
    admin_password = preset != nullptr && *preset != '\0' ? preset : auth::RandomPassword(20);
    service::NewUser admin{"admin", admin_password, "admin", "", "Admin"};
    auto created = service::CreateUser(*env->db, *env->metadata, SystemClock::Instance(), admin);
    if (!created.ok()) return Fail(created.status());
  }

  service::RecordService records(env->metadata, *env->db, SystemClock::Instance(),
                                 env->secrets.get());
  const webhook::AddressGuard guard(options.webhooks.allowed_hosts);
  records.SetInputCheck(WebhookInputCheck(*env->metadata, guard));
  curl_global_init(CURL_GLOBAL_DEFAULT);
  webhook::DeliveryOptions delivery_options = DeliveryOptionsOf(options.webhooks);
  delivery_options.secrets = env->secrets.get();
  const bool shared_database = !store_options.database.empty();
  delivery_options.shared_database = shared_database;
  webhook::DeliveryWorker deliveries(*env->db, env->metadata, guard, SystemClock::Instance(),
                                     std::move(delivery_options));
  env->db->SetCommitObserver([&deliveries] { deliveries.Wake(); });
  deliveries.Start();
  auth::PasswordVerifier::Options verifier;
  verifier.threads = std::max(1U, std::thread::hardware_concurrency() / 2);
  auth::Authenticator authenticator(*env->db, SystemClock::Instance(), env->secrets.get(),
                                    env->epoch.get(), verifier);
  authenticator.SetAccessLoader(
      [metadata = env->metadata](store::Connection& conn, std::string_view user_id) {
        return acl::LoadAccess(conn, *metadata, user_id);
      });
  ratelimit::MemoryRateLimiter memory_limiter(SystemClock::Instance());
  SharedDatabase shared;
  if (shared_database) {
    auto connected = ConnectProcesses(store_options.database, *env->db, *env->metadata, deliveries,
                                      authenticator);
    if (!connected.ok()) return Fail(connected.status());
    shared = std::move(connected).value();
  }
  api::ApiHandler api(records, authenticator,
                      api::ApiOptions{kApiBase, kVersion, *rate_limits, options.trusted_proxies},
                      shared.limiter != nullptr ? shared.limiter.get() : &memory_limiter);
  web::StaticSite site(web::EmbeddedAssets(),
                       [] { return api::ErrorResponse(Status::NotFound("No such page.")); });
  FrontHandler handler(kApiBase, api, site);
  http::ServerOptions server_options;
  server_options.host = listen->first;
  server_options.port = listen->second;
  server_options.threads =
      options.threads > 0 ? options.threads
                          : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  server_options.access_log = options.access_log;
  server_options.error_response = api::ProtocolErrorResponse;
  ApplyHttpLimits(options.limits, server_options);
  auto server = http::Server::Create(server_options, handler);
  if (!server.ok()) return Fail(server.status());

  const std::string url = "http://" + listen->first + ":" + std::to_string((*server)->port());
  std::cout << "crmd " << kVersion << ": data in "
            << store::DescribeLocation(store_options.database,
                                       {.path = store_options.data_dir + "/" + kDatabaseFile})
            << "\n";
  if (!admin_password.empty()) {
    std::cout << "Created the admin user (shown once, keep it):\n"
              << "  username: admin\n"
              << "  password: " << admin_password << "\n";
  }
  std::cout << "Listening on " << url << "/api/v1 with " << server_options.threads << " threads\n"
            << "Try:    curl -u admin:" << (admin_password.empty() ? "PASSWORD" : admin_password)
            << " " << url << "/api/v1/Contact\n"
            << "API key: " << program << " api-user create --name my-app --data "
            << store_options.data_dir << "\n"
            << "Console: " << url << "/\n"
            << "API reference: " << url << kApiReferencePath << std::endl;

  std::thread signal_thread([&signals, &server] {
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("received signal {}, draining", received);
    (*server)->Stop();
  });
  (*server)->Run();
  // Run() also returns when something else stopped the server; release the signal thread then.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  // A verifier thread may still hold the last reference to a session it answered; the session
  // must go before the server that owns its socket's event loop.
  authenticator.StopPasswordChecks();
  shared.listener.reset();
  // Deliveries in flight stay pending in the database and go out after the next start.
  deliveries.Stop();
  env->db->Shutdown();
  env->db->SetCommitObserver(nullptr);
  spdlog::info("stopped");
  return 0;
}

// "" (the server's budget), "unlimited" or N/UNIT, as `--rate-limit` of the user commands takes.
Result<auth::UserRateLimit> ParseUserRateLimit(const std::string& text) {
  auth::UserRateLimit limit;
  if (text.empty()) return limit;
  if (text == "unlimited") {
    limit.kind = auth::UserRateLimit::Kind::kUnlimited;
    return limit;
  }
  CRM_ASSIGN_OR_RETURN(const ratelimit::Quota quota, ratelimit::ParseQuota(text));
  limit.kind = auth::UserRateLimit::Kind::kQuota;
  limit.requests = quota.limit;
  limit.window_seconds = quota.window.count();
  return limit;
}

// The only time a key or secret is shown: the database keeps the key's hash and the sealed secret.
void PrintCredentials(const service::CreatedUser& user) {
  boost::json::object out{{"id", user.id}, {"userName", user.user_name}, {"apiKey", user.api_key}};
  if (!user.secret_key.empty()) out["secretKey"] = user.secret_key;
  std::cout << SerializeJson(out) << std::endl;
}

// Roles and teams named on the command line (--role, --team), as ids.
struct Membership {
  std::vector<std::string> roles;
  std::vector<std::string> teams;
};

Status ResolveMembership(Environment& env, const Membership& names, service::NewUser& user) {
  CRM_ASSIGN_OR_RETURN(user.role_ids,
                       service::IdsByName(*env.db, *env.metadata, "Role", names.roles));
  CRM_ASSIGN_OR_RETURN(user.team_ids,
                       service::IdsByName(*env.db, *env.metadata, "Team", names.teams));
  return {};
}

int CreateApiUser(const StoreOptions& store_options, const std::string& name,
                  const std::string& auth_mode, const std::string& rate_limit,
                  const Membership& membership) {
  auto limit = ParseUserRateLimit(rate_limit);
  if (!limit.ok()) {
    std::cerr << "crmd: --rate-limit: " << limit.status().message() << "\n";
    return 2;
  }
  auto env = OpenEnvironment(store_options);
  if (!env.ok()) return Fail(env.status());
  service::NewUser user;
  user.rate_limit = *limit;
  user.user_name = name;
  user.type = "api";
  user.auth_method = auth_mode == "hmac" ? "Hmac" : "ApiKey";
  if (Status s = ResolveMembership(*env, membership, user); !s.ok()) return Fail(s);
  // So that "create an API user, copy the key, call the API" works as the seed describes.
  const bool full_access = user.role_ids.empty() && user.team_ids.empty();
  if (full_access) user.role_ids.emplace_back(service::kFullAccessRoleId);
  auto created = service::CreateUser(*env->db, *env->metadata, SystemClock::Instance(), user,
                                     env->secrets.get());
  if (!created.ok()) return Fail(created.status());
  PrintCredentials(*created);
  if (full_access) {
    std::cerr << "crmd: no --role or --team given: " << name << " holds the built-in role '"
              << service::kFullAccessRoleName
              << "' (every entity, every action; not admin). Give it narrower roles with --role.\n";
  }
  env->db->Shutdown();
  return 0;
}

int RotateApiKey(const StoreOptions& store_options, const std::string& name) {
  auto env = OpenEnvironment(store_options);
  if (!env.ok()) return Fail(env.status());
  auto rotated = service::RotateApiKey(*env->db, SystemClock::Instance(), name, env->secrets.get(),
                                       *env->epoch);
  if (!rotated.ok()) return Fail(rotated.status());
  PrintCredentials(*rotated);
  env->db->Shutdown();
  return 0;
}

int CreateUser(const StoreOptions& store_options, const std::string& user_name,
               const std::string& password, bool admin, const std::string& rate_limit,
               const Membership& membership) {
  auto limit = ParseUserRateLimit(rate_limit);
  if (!limit.ok()) {
    std::cerr << "crmd: --rate-limit: " << limit.status().message() << "\n";
    return 2;
  }
  auto env = OpenEnvironment(store_options);
  if (!env.ok()) return Fail(env.status());
  service::NewUser user{user_name, password, admin ? "admin" : "regular", "", "", *limit};
  if (Status s = ResolveMembership(*env, membership, user); !s.ok()) return Fail(s);
  auto created = service::CreateUser(*env->db, *env->metadata, SystemClock::Instance(), user);
  if (!created.ok()) return Fail(created.status());
  std::cout << SerializeJson(
                   boost::json::object{{"id", created->id}, {"userName", created->user_name}})
            << std::endl;
  env->db->Shutdown();
  return 0;
}

void AddMetadataOption(CLI::App& command, StoreOptions& options) {
  command
      .add_option("--metadata", options.metadata_dir,
                  "Directory whose entityDefs/*.json extend or override the shipped metadata")
      ->envname("CRMD_METADATA");
}

// `data_flag` names the data directory's option: --data, except where --data is the command's own
// (crmd role create --data JSON takes --data-dir).
void AddStoreOptions(CLI::App& command, StoreOptions& options,
                     const std::string& data_flag = "--data") {
  command.add_option(data_flag, options.data_dir, "Data directory (the SQLite file lives inside)")
      ->envname("CRMD_DATA")
      ->capture_default_str();
  command
      .add_option("--secret-key-file", options.secret_key_file,
                  "Key that seals HMAC secrets (created, mode 0600, when missing; default: "
                  "DATA/secret.key)")
      ->envname("CRMD_SECRET_KEY_FILE");
  command
      .add_option("--database", options.database,
                  "PostgreSQL instead of the SQLite file: postgres://USER:PASS@HOST:PORT/DB")
      ->envname("CRMD_DATABASE");
  AddMetadataOption(command, options);
}

}  // namespace

// Needs no database: the description comes from the route table and the metadata alone.
int PrintOpenApi(const StoreOptions& options) {
  auto metadata = metadata::Metadata::LoadDefault(options.metadata_dir);
  if (!metadata.ok()) return Fail(metadata.status());
  std::cout << SerializeJson(
                   api::BuildOpenApi(api::ApiRouteTable(), **metadata, kApiBase, kVersion))
            << std::endl;
  return 0;
}

int RunCli(int argc, char** argv) {
  SetUpLogging();
  CLI::App app{"crmd: an EspoCRM-compatible CRM server"};
  app.require_subcommand(1);
  StoreOptions store_options;
  ServeOptions serve_options;

  auto* serve = app.add_subcommand("serve", "Serve the REST API under /api/v1");
  serve
      ->add_option("--listen", serve_options.listen,
                   "Address to listen on, HOST:PORT (port 0: any free port)")
      ->envname("CRMD_LISTEN")
      ->capture_default_str();
  serve->add_option("--threads", serve_options.threads, "Server threads (default: one per core)")
      ->check(CLI::Range(0, 256));
  serve->add_flag("!--no-access-log", serve_options.access_log, "Do not log one line per request");
  serve
      ->add_option("--mmap-mib", serve_options.mmap_mib,
                   "Read up to this many MiB of the database through a memory map (0: off)")
      ->envname("CRMD_MMAP_MIB")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  serve
      ->add_option("--rate-limit", serve_options.rate_limit,
                   "Request budgets, POLICY=N/UNIT,... (policies default, bulk, search, "
                   "auth-failures; units s, m, h, d), or off")
      ->envname("CRMD_RATE_LIMIT")
      ->capture_default_str();
  serve->add_option("--trusted-proxy", serve_options.trusted_proxies,
                    "Address of a reverse proxy whose X-Forwarded-For names the client, for the "
                    "failed-authentication limit per address (repeatable)");
  AddHttpLimitOptions(*serve, serve_options.limits);
  AddStoreOptions(*serve, store_options);
  AddWebhookServeOptions(*serve, serve_options.webhooks);

  auto* api_user = app.add_subcommand("api-user", "Manage API users")->require_subcommand(1);
  auto* api_user_create =
      api_user->add_subcommand("create", "Create an API user and print its key as JSON");
  std::string api_user_name;
  std::string auth_mode = "api-key";
  api_user_create->add_option("--name", api_user_name, "User name")->required();
  api_user_create->add_option("--auth", auth_mode, "api-key or hmac")
      ->check(CLI::IsMember({"api-key", "hmac"}))
      ->capture_default_str();
  std::string user_rate_limit;
  constexpr char kUserRateLimitHelp[] =
      "This user's request budget in place of the server's default one: N/UNIT (s, m, h, d) or "
      "unlimited";
  api_user_create->add_option("--rate-limit", user_rate_limit, kUserRateLimitHelp);
  Membership membership;
  constexpr char kRoleHelp[] = "A role the user holds, by name (repeatable)";
  constexpr char kTeamHelp[] = "A team the user is a member of, by name (repeatable)";
  api_user_create->add_option("--role", membership.roles, kRoleHelp);
  api_user_create->add_option("--team", membership.teams, kTeamHelp);
  AddStoreOptions(*api_user_create, store_options);
  auto* api_user_rotate = api_user->add_subcommand(
      "rotate-key",
      "Give an API user a new key (and HMAC secret), print it once as JSON; the old "
      "one stops working at once");
  api_user_rotate->add_option("--name", api_user_name, "User name")->required();
  AddStoreOptions(*api_user_rotate, store_options);

  auto* user = app.add_subcommand("user", "Manage users")->require_subcommand(1);
  auto* user_create = user->add_subcommand("create", "Create a user who signs in with a password");
  std::string user_name;
  std::string password;
  bool admin = false;
  user_create->add_option("--username", user_name, "User name")->required();
  user_create->add_option("--password", password, "Password")->required();
  user_create->add_flag("--admin", admin, "Make the user an administrator");
  user_create->add_option("--rate-limit", user_rate_limit, kUserRateLimitHelp);
  user_create->add_option("--role", membership.roles, kRoleHelp);
  user_create->add_option("--team", membership.teams, kTeamHelp);
  AddStoreOptions(*user_create, store_options);

  RoleCommand role_command;
  AddRoleCommands(app, role_command, [&](CLI::App& command, const std::string& data_flag) {
    AddStoreOptions(command, store_options, data_flag);
  });

  WebhookCommand webhook_command;
  AddWebhookCommands(app, webhook_command,
                     [&](CLI::App& command) { AddStoreOptions(command, store_options); });

  ImportCommand import_command;
  AddImportCommands(app, import_command,
                    [&](CLI::App& command) { AddStoreOptions(command, store_options); });

  auto* migrate = app.add_subcommand("migrate", "Create or update the database schema, then exit");
  AddStoreOptions(*migrate, store_options);
  MigrateDataCommand migrate_data;
  AddMigrateDataCommand(app, migrate_data);
  auto* version = app.add_subcommand("version", "Print the version");
  auto* openapi = app.add_subcommand(
      "openapi", "Print the API's OpenAPI 3.1 description (as GET /api/v1/OpenApi serves it)");
  AddMetadataOption(*openapi, store_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  if (version->parsed()) {
    std::cout << "crmd " << kVersion << std::endl;
    return 0;
  }
  if (openapi->parsed()) return PrintOpenApi(store_options);
  if (serve->parsed()) return Serve(store_options, serve_options, argv[0]);
  if (api_user_create->parsed()) {
    return CreateApiUser(store_options, api_user_name, auth_mode, user_rate_limit, membership);
  }
  if (api_user_rotate->parsed()) return RotateApiKey(store_options, api_user_name);
  if (user_create->parsed()) {
    return CreateUser(store_options, user_name, password, admin, user_rate_limit, membership);
  }
  if (role_command.chosen()) {
    auto env = OpenEnvironment(store_options);
    if (!env.ok()) return Fail(env.status());
    const int status = RunRoleCommand(role_command, *env->metadata, *env->db);
    env->db->Shutdown();
    return status;
  }
  if (webhook_command.chosen()) {
    auto env = OpenEnvironment(store_options);
    if (!env.ok()) return Fail(env.status());
    const int status =
        RunWebhookCommand(webhook_command, env->metadata, *env->db, env->secrets.get());
    env->db->Shutdown();
    return status;
  }
  if (migrate_data.chosen()) return RunMigrateDataCommand(migrate_data);
  if (import_command.chosen()) {
    store::SqliteOptions sqlite;
    sqlite.cache_size_kib = import_command.cache_mib * 1024;
    sqlite.mmap_size_bytes = std::int64_t{import_command.mmap_mib} * 1024 * 1024;
    auto env = OpenEnvironment(store_options, sqlite);
    if (!env.ok()) return Fail(env.status());
    const int status =
        RunImportCommand(import_command, env->metadata, *env->db, env->secrets.get());
    env->db->Shutdown();
    return status;
  }
  if (migrate->parsed()) {
    auto env = OpenEnvironment(store_options);
    if (!env.ok()) return Fail(env.status());
    env->db->Shutdown();
    std::cout << "schema is up to date" << std::endl;
    return 0;
  }
  return 2;
}

}  // namespace crm::server
