#include "testing/temp_dir.hpp"

#include <stdexcept>

#include <stdlib.h>

namespace crm::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "crmd-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace crm::testing
