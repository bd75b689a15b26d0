// Cryptographic helpers over libsodium: password hashing (argon2id), random secrets, SHA-256,
// HMAC-SHA256, hex, base64 and constant-time comparison. Everything security-relevant in crmd goes
// through here so that there is one place to review.
//
// Thread-safety: all functions are safe to call concurrently (InitCrypto must have run once).
#ifndef CRM_AUTH_CRYPTO_HPP_
#define CRM_AUTH_CRYPTO_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "crm/common/status.hpp"

namespace crm::auth {

// Initialises libsodium; call once at start-up before any other function here. Fails with
// kInternal.
Status InitCrypto();

// An argon2id hash string (salt and parameters inside), for storage.
Result<std::string> HashPassword(std::string_view password);
// True when `password` matches `hash` (from HashPassword). Takes tens of milliseconds by design.
bool VerifyPassword(std::string_view password, const std::string& hash);
// True when `hash` was made with the cost HashPassword uses now (and so takes as long to verify).
bool HasCurrentCost(const std::string& hash);
// A hash of HashPassword's cost whose password was thrown away when it was made: what the sign-in
// of an unknown user is verified against, so that it costs what a known user's does. A constant
// rather than a hash made at start-up, which cost every process 150-200 ms of Argon2id.
const std::string& UnknownUserHash();

// `bytes` random bytes as lowercase hex (api keys and secrets: 16 bytes -> 32 characters).
std::string RandomHex(std::size_t bytes);
// A new credential from the CSPRNG: 16 random bytes as 32 lowercase hex characters, EspoCRM's
// format for API keys, HMAC secrets and webhook secrets. Show it once; store API keys as
// Sha256Hex and recoverable secrets sealed (SecretBox).
std::string NewCredential();
// A random password of letters and digits.
std::string RandomPassword(std::size_t length);

std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `message` under `key`.
std::string HmacSha256(std::string_view key, std::string_view message);

// Lowercase hex of arbitrary bytes (digests and secrets on the wire).
std::string HexEncode(std::string_view bytes);

std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

// Compares in time independent of where the inputs differ (only their lengths leak).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace crm::auth

#endif  // CRM_AUTH_CRYPTO_HPP_
