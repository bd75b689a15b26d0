// Fuzz target for JSON record bodies: bytes as the body of a create or update, read as the record
// endpoints read it (api::RecordBody: ParseJson with its depth and storability checks) and then
// checked and normalised by service::ParseRecordInput for every entity, in both write modes. Must
// not crash, hang, throw or leak; every failure is a kInvalidArgument (a 400); an accepted input's
// values are sorted by attribute index without duplicates, each an attribute of the entity.
// Thread-safety: libFuzzer calls it from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crm/api/request_decoding.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/service/record_input.hpp"

namespace {

const crm::metadata::Metadata& FuzzMetadata() {
  static const auto metadata = crm::metadata::Metadata::LoadDefault("");
  if (!metadata.ok()) std::abort();
  return **metadata;
}

void Require(bool condition) {
  if (!condition) std::abort();
}

// A POST carrying the fuzzer's bytes as its body.
class BodyRequest final : public crm::http::Request {
 public:
  explicit BodyRequest(std::string body) : body_(std::move(body)) {}
  crm::http::Method method() const override { return crm::http::Method::kPost; }
  std::string_view method_name() const override { return "POST"; }
  std::string_view target() const override { return "/api/v1/Contact"; }
  std::string_view Header(std::string_view name) const override {
    return name == "Content-Type" ? "application/json" : "";
  }
  const std::string& body() const override { return body_; }
  std::string_view remote_address() const override { return "127.0.0.1"; }

 private:
  std::string body_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const crm::metadata::Metadata& metadata = FuzzMetadata();
  const BodyRequest request(std::string(reinterpret_cast<const char*>(data), size));
  const auto body = crm::api::RecordBody(request);
  if (!body.ok()) {
    Require(body.status().code() == crm::StatusCode::kInvalidArgument);
    return 0;
  }
  for (const auto& entity : metadata.entities()) {
    for (const auto mode : {crm::service::WriteMode::kCreate, crm::service::WriteMode::kUpdate}) {
      const auto input = crm::service::ParseRecordInput(entity, *body, mode);
      if (!input.ok()) {
        Require(input.status().code() == crm::StatusCode::kInvalidArgument);
        continue;
      }
      int previous = -1;
      for (const auto& [attribute, value] : input->values) {
        Require(attribute > previous);
        Require(static_cast<std::size_t>(attribute) < entity.attributes.size());
        previous = attribute;
      }
    }
  }
  return 0;
}
