// SecretBox: encrypts secrets that must stay recoverable (HMAC secrets: the server needs the secret
// itself to check a signature) for storage in the database, with a key that lives in a file outside
// it. A copy of the database file alone therefore reveals no secret. Sealed text is
// "sb1:" + base64(nonce || XSalsa20-Poly1305 ciphertext) (libsodium's crypto_secretbox), so a
// changed or swapped byte fails to open instead of yielding a wrong secret.
//
// The key file holds the 32-byte key as 64 hex characters. LoadOrCreate creates it (mode 0600,
// never overwriting one that exists) on first use; losing it makes every sealed secret unreadable
// (README: back it up apart from the database).
//
// Thread-safety: immutable after creation; Seal and Open may be called concurrently.
#ifndef CRM_AUTH_SECRET_BOX_HPP_
#define CRM_AUTH_SECRET_BOX_HPP_

#include <filesystem>
#include <string>
#include <string_view>

#include "crm/common/status.hpp"

namespace crm::auth {

class SecretBox {
 public:
  // Reads the key from `file`, or creates the file with a new random key when it does not exist.
  // kFailedPrecondition when the file cannot be read or created, holds no valid key, or can be read
  // by other users (group or world permission bits).
  static Result<SecretBox> LoadOrCreate(const std::filesystem::path& file);
  // A box with a given 32-byte key (tests, benchmarks).
  static SecretBox FromKey(std::string key);

  SecretBox(SecretBox&&) noexcept = default;
  SecretBox& operator=(SecretBox&&) noexcept = default;
  ~SecretBox();

  std::string Seal(std::string_view plain) const;
  // kFailedPrecondition when `sealed` is not sealed text or was sealed with another key (or
  // altered).
  Result<std::string> Open(std::string_view sealed) const;
  // Whether `text` has the sealed form (stored before this existed, a secret is plain text).
  static bool IsSealed(std::string_view text);

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace crm::auth

#endif  // CRM_AUTH_SECRET_BOX_HPP_
