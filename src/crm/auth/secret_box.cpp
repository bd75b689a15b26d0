#include "crm/auth/secret_box.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "crm/auth/crypto.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace crm::auth {
namespace {

constexpr std::string_view kPrefix = "sb1:";

Status KeyFileError(const std::filesystem::path& file, std::string_view what) {
  return Status::FailedPrecondition("secret key file " + file.string() + ": " + std::string(what));
}

Result<std::string> FromHex(const std::filesystem::path& file, std::string_view hex) {
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  std::size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), hex.data(),
                     hex.size(), " \n\r\t", &length, nullptr) != 0 ||
      length != key.size()) {
    return KeyFileError(file, "does not hold a key (64 hex characters)");
  }
  return key;
}

// Creates `file` with a new key; false when it already exists (another process was first).
Result<bool> CreateKeyFile(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return KeyFileError(file, std::strerror(errno));
  }
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  crypto_secretbox_keygen(reinterpret_cast<unsigned char*>(key.data()));
  const std::string text = HexEncode(key) + "\n";
  sodium_memzero(key.data(), key.size());
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return KeyFileError(file, "could not be written");
  return true;
}

}  // namespace

Result<SecretBox> SecretBox::LoadOrCreate(const std::filesystem::path& file) {
  CRM_RETURN_IF_ERROR(CreateKeyFile(file).TakeStatus());
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) return KeyFileError(file, std::strerror(errno));
  if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return KeyFileError(file, "must be readable by its owner only (chmod 600)");
  }
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return KeyFileError(file, "could not be read");
  CRM_ASSIGN_OR_RETURN(std::string key, FromHex(file, text.str()));
  return SecretBox(std::move(key));
}

SecretBox SecretBox::FromKey(std::string key) { return SecretBox(std::move(key)); }

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::Seal(std::string_view plain) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce,
                        reinterpret_cast<const unsigned char*>(key_.data()));
  return std::string(kPrefix) + Base64Encode(out);
}

Result<std::string> SecretBox::Open(std::string_view sealed) const {
  const auto failed = [] { return Status::FailedPrecondition("a stored secret cannot be opened"); };
  if (!IsSealed(sealed)) return failed();
  const auto raw = Base64Decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES ||
      key_.size() != crypto_secretbox_KEYBYTES) {
    return failed();
  }
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  const std::size_t cipher_size = raw->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(cipher_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, cipher_size, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return failed();
  }
  return plain;
}

bool SecretBox::IsSealed(std::string_view text) { return text.starts_with(kPrefix); }

}  // namespace crm::auth
