// crmd: an EspoCRM-compatible CRM server. Everything happens in crm::server::RunCli.
#include "crm/server/cli.hpp"

int main(int argc, char** argv) { return crm::server::RunCli(argc, argv); }
