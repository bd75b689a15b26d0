// Clang thread-safety annotations and an annotated mutex, as in leveldb's port::Mutex: the
// annotations only work on a type marked as a capability, which std::mutex is not in libstdc++.
//
// Thread-safety: Mutex is a mutex; MutexLock is a scoped lock to be used by one thread.
#ifndef CRM_COMMON_THREAD_ANNOTATIONS_HPP_
#define CRM_COMMON_THREAD_ANNOTATIONS_HPP_

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define CRM_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define CRM_THREAD_ANNOTATION_(x)
#endif

#define CRM_CAPABILITY(x) CRM_THREAD_ANNOTATION_(capability(x))
#define CRM_SCOPED_CAPABILITY CRM_THREAD_ANNOTATION_(scoped_lockable)
#define CRM_GUARDED_BY(x) CRM_THREAD_ANNOTATION_(guarded_by(x))
#define CRM_REQUIRES(...) CRM_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define CRM_ACQUIRE(...) CRM_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define CRM_RELEASE(...) CRM_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define CRM_EXCLUDES(...) CRM_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))

namespace crm {

class CRM_CAPABILITY("mutex") Mutex {
 public:
  void Lock() CRM_ACQUIRE() { mu_.lock(); }
  void Unlock() CRM_RELEASE() { mu_.unlock(); }
  // Blocks on `cv` with this mutex held (it is released while waiting, as std::condition_variable
  // does).
  void Wait(std::condition_variable& cv) CRM_REQUIRES(this) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    cv.wait(lock);
    lock.release();
  }

 private:
  std::mutex mu_;
};

class CRM_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) CRM_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() CRM_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace crm

#endif  // CRM_COMMON_THREAD_ANNOTATIONS_HPP_
