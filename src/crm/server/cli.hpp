// The crmd command line: `serve`, `api-user create`, `user create`, `migrate`, `version`. This is
// the composition root: the only code that knows every layer, wires them together and owns their
// lifetimes.
//
// Thread-safety: RunCli is called once, from main.
#ifndef CRM_SERVER_CLI_HPP_
#define CRM_SERVER_CLI_HPP_

namespace crm::server {

// Parses arguments and runs the command. Returns the process exit status: 0 on success, 2 for bad
// arguments, 1 for other failures (which are printed to stderr).
int RunCli(int argc, char** argv);

}  // namespace crm::server

#endif  // CRM_SERVER_CLI_HPP_
