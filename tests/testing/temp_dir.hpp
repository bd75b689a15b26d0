// TempDir: a fresh directory under the system temp dir, removed with everything in it on
// destruction. Thread-safety: one owner.
#ifndef CRM_TESTING_TEMP_DIR_HPP_
#define CRM_TESTING_TEMP_DIR_HPP_

#include <filesystem>
#include <string>

namespace crm::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace crm::testing

#endif  // CRM_TESTING_TEMP_DIR_HPP_
