#include "crm/common/cancellation.hpp"

namespace crm {
namespace {

thread_local CancellationSource* current_source = nullptr;

}  // namespace

CancellationScope::CancellationScope(CancellationSource& source) : previous_(current_source) {
  current_source = &source;
}

CancellationScope::~CancellationScope() { current_source = previous_; }

bool CurrentWorkCancelled() { return current_source != nullptr && current_source->Cancelled(); }

}  // namespace crm
