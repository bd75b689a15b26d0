// Where webhooks may send: http and https URLs whose host resolves only to public addresses, unless
// the operator allowed the host (`crmd serve --webhook-allowed-hosts`). A webhook URL is checked
// when it is saved (CheckUrl) and again for the address of every connection the sender opens
// (AllowsAddress), so a name that resolves to a public address on save and to 127.0.0.1 later (DNS
// rebinding) still cannot reach the server's own network.
//
// Thread-safety: immutable after construction; every method may be called from any thread.
#ifndef CRM_WEBHOOK_ADDRESS_GUARD_HPP_
#define CRM_WEBHOOK_ADDRESS_GUARD_HPP_

#include <string>
#include <string_view>
#include <vector>

#include "crm/common/status.hpp"

struct sockaddr;

namespace crm::webhook {

// The parts of a webhook URL the sender needs.
struct WebhookUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case name or address, without IPv6 brackets
};

// kInvalidArgument unless `url` is an absolute http or https URL with a host and without user
// information.
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// True for addresses that belong to the public internet: not loopback, private, shared (CGNAT),
// link-local, multicast, unspecified, documentation or reserved ranges, in IPv4 and IPv6 (IPv4
// mapped into IPv6 is judged as IPv4).
bool IsPublicAddress(const sockaddr* address);

class AddressGuard {
 public:
  // `allowed_hosts`: names or address literals that may be private (tests use 127.0.0.1).
  explicit AddressGuard(std::vector<std::string> allowed_hosts);

  // Parses `url` and resolves its host (blocking): kInvalidArgument saying why when the URL is
  // malformed, the host does not resolve, or it resolves to an address that is not public and the
  // host is not allowed.
  Status CheckUrl(std::string_view url) const;

  // Whether a connection for a URL with host `host` may go to `address`.
  bool AllowsAddress(std::string_view host, const sockaddr* address) const;

 private:
  bool HostAllowed(std::string_view host) const;

  std::vector<std::string> allowed_hosts_;  // lower case
};

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_ADDRESS_GUARD_HPP_
