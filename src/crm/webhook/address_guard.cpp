#include "crm/webhook/address_guard.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>

#include <boost/url/parse.hpp>

#include "crm/common/strings.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace crm::webhook {
namespace {

bool IsPublicV4(std::uint32_t a) {  // host byte order
  struct Range {
    std::uint32_t base;
    int bits;
  };
  // IANA special-purpose ranges (RFC 6890 and successors) that a webhook must not reach.
  static constexpr std::array<Range, 15> kBlocked = {{
      {0x00000000, 8},   // "this network"
      {0x0A000000, 8},   // private
      {0x64400000, 10},  // shared address space (carrier-grade NAT)
      {0x7F000000, 8},   // loopback
      {0xA9FE0000, 16},  // link-local (cloud metadata services live here)
      {0xAC100000, 12},  // private
      {0xC0000000, 24},  // IETF protocol assignments
      {0xC0000200, 24},  // documentation
      {0xC0586300, 24},  // 6to4 relay anycast
      {0xC0A80000, 16},  // private
      {0xC6120000, 15},  // benchmarking
      {0xC6336400, 24},  // documentation
      {0xCB007100, 24},  // documentation
      {0xE0000000, 4},   // multicast
      {0xF0000000, 4},   // reserved and broadcast
  }};
  return std::none_of(kBlocked.begin(), kBlocked.end(), [a](const Range& range) {
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - range.bits);
    return (a & mask) == range.base;
  });
}

bool IsPublicV6(const in6_addr& address) {
  const std::uint8_t* b = address.s6_addr;
  static constexpr std::array<std::uint8_t, 10> kZero10{};
  if (std::memcmp(b, kZero10.data(), 10) == 0 && b[10] == 0xff && b[11] == 0xff) {
    // IPv4-mapped: the IPv4 address decides.
    return IsPublicV4((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                      (std::uint32_t{b[14]} << 8) | b[15]);
  }
  static constexpr std::array<std::uint8_t, 12> kZero12{};
  if (std::memcmp(b, kZero12.data(), 12) == 0) return false;  // ::, ::1, IPv4-compatible
  if ((b[0] & 0xfe) == 0xfc) return false;                    // unique local fc00::/7
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;    // link-local fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;    // site-local fec0::/10
  if (b[0] == 0xff) return false;                             // multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return false;  // docs
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) {
    // NAT64 (64:ff9b::/96): the embedded IPv4 address decides.
    return IsPublicV4((std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                      (std::uint32_t{b[14]} << 8) | b[15]);
  }
  return true;
}

std::string AddressText(const sockaddr* address) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text.data(),
              text.size());
  } else if (address->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text.data(),
              text.size());
  }
  return text.data();
}

}  // namespace

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    return Status::InvalidArgument("The url '" + std::string(url) + "' is not an absolute URL.");
  }
  WebhookUrl out;
  out.scheme = ToLowerAscii(parsed->scheme());
  if (out.scheme != "http" && out.scheme != "https") {
    return Status::InvalidArgument("The url must use http or https, not '" + out.scheme + "'.");
  }
  if (!parsed->has_authority() || parsed->encoded_host().empty()) {
    return Status::InvalidArgument("The url '" + std::string(url) + "' has no host.");
  }
  if (parsed->has_userinfo()) {
    return Status::InvalidArgument(
        "The url must not carry a user name or password; use the webhook's headers.");
  }
  switch (parsed->host_type()) {
    case boost::urls::host_type::ipv6:
      out.host = parsed->host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::ipv4:
      out.host = parsed->host_ipv4_address().to_string();
      break;
    case boost::urls::host_type::name:
      out.host = ToLowerAscii(parsed->host());
      break;
    default:
      return Status::InvalidArgument("The url's host '" + std::string(parsed->encoded_host()) +
                                     "' is not supported.");
  }
  return out;
}

bool IsPublicAddress(const sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    return IsPublicV4(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    return IsPublicV6(reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr);
  }
  return false;
}

AddressGuard::AddressGuard(std::vector<std::string> allowed_hosts) {
  for (auto& host : allowed_hosts) {
    std::string trimmed(TrimAscii(host));
    if (trimmed.size() > 2 && trimmed.front() == '[' && trimmed.back() == ']') {
      trimmed = trimmed.substr(1, trimmed.size() - 2);
    }
    if (!trimmed.empty()) allowed_hosts_.push_back(ToLowerAscii(trimmed));
  }
}

bool AddressGuard::HostAllowed(std::string_view host) const {
  return std::find(allowed_hosts_.begin(), allowed_hosts_.end(), ToLowerAscii(host)) !=
         allowed_hosts_.end();
}

bool AddressGuard::AllowsAddress(std::string_view host, const sockaddr* address) const {
  if (address == nullptr) return false;
  return HostAllowed(host) || IsPublicAddress(address) || HostAllowed(AddressText(address));
}

Status AddressGuard::CheckUrl(std::string_view url) const {
  CRM_ASSIGN_OR_RETURN(const WebhookUrl parsed, ParseWebhookUrl(url));
  if (HostAllowed(parsed.host)) return {};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(parsed.host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return Status::InvalidArgument("The url's host '" + parsed.host + "' does not resolve.");
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, &freeaddrinfo);
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (!AllowsAddress(parsed.host, entry->ai_addr)) {
      return Status::InvalidArgument(
          "The url's host '" + parsed.host + "' resolves to " + AddressText(entry->ai_addr) +
          ", which is not a public address; list the host in --webhook-allowed-hosts to allow "
          "it.");
    }
  }
  return {};
}

}  // namespace crm::webhook
