#include "backends/subprocess/shm_buffer_pool.h"

#include <pthread.h>
#include <time.h>

#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/interprocess/permissions.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/interprocess/sync/interprocess_recursive_mutex.hpp>
#include <cerrno>
#include <cstdio>
#include <new>
#include <stdexcept>

namespace interpbench {

namespace bip = boost::interprocess;

namespace {

constexpr std::size_t kBufferAlignment = 64;  // a cache line: buffers never share one
constexpr long kLockTimeoutSeconds = 10;

// The allocator's lock, living in the segment. Boost's default interprocess_mutex would block
// forever if a worker died while holding it (a worker can be SIGKILLed at any instant): this one
// is robust (the next locker takes it over, EOWNERDEAD) and gives up after a timeout instead of
// hanging behind a stopped process.
class RobustMutex {
 public:
  RobustMutex() {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&mutex_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~RobustMutex() { pthread_mutex_destroy(&mutex_); }
  RobustMutex(const RobustMutex&) = delete;
  RobustMutex& operator=(const RobustMutex&) = delete;

  void lock() {
    // timedlock (CLOCK_REALTIME) rather than clocklock: sanitizers intercept only the former,
    // and a clock step merely shortens or stretches a timeout that is a last resort anyway.
    timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += kLockTimeoutSeconds;
    int rc = pthread_mutex_timedlock(&mutex_, &until);
    if (rc == EOWNERDEAD) {
      // The previous owner died inside allocate/deallocate; the free lists are most likely
      // intact (Boost updates them in a few pointer writes), and the group is being torn down.
      pthread_mutex_consistent(&mutex_);
      return;
    }
    if (rc != 0) {
      throw std::runtime_error("buffer pool: lock not acquired within " +
                               std::to_string(kLockTimeoutSeconds) + " s (a process holds it)");
    }
  }
  bool try_lock() {
    int rc = pthread_mutex_trylock(&mutex_);
    if (rc == EOWNERDEAD) {
      pthread_mutex_consistent(&mutex_);
      return true;
    }
    return rc == 0;
  }
  void unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_;
};

struct RobustMutexFamily {
  using mutex_type = RobustMutex;
  // Only named objects use it; the pool allocates anonymous buffers.
  using recursive_mutex_type = bip::interprocess_recursive_mutex;
};

using ManagedSegment = bip::basic_managed_shared_memory<
    char, bip::rbtree_best_fit<RobustMutexFamily>, bip::iset_index>;

}  // namespace

struct ShmBufferPool::Segment {
  ManagedSegment memory;
};

std::unique_ptr<ShmBufferPool> ShmBufferPool::create(const std::string& name, std::size_t bytes) {
  std::unique_ptr<Segment> segment;
  try {
    bip::permissions owner_only(0600);
    // create_only: never adopt a segment someone else created under our name.
    segment.reset(new Segment{ManagedSegment(bip::create_only, name.c_str(), bytes, nullptr,
                                             owner_only)});
  } catch (const bip::interprocess_exception& e) {
    throw std::runtime_error("cannot create shared memory '/" + name + "': " + e.what());
  }
  return std::unique_ptr<ShmBufferPool>(new ShmBufferPool(name, std::move(segment), true));
}

std::unique_ptr<ShmBufferPool> ShmBufferPool::open(const std::string& name) {
  std::unique_ptr<Segment> segment;
  try {
    segment.reset(new Segment{ManagedSegment(bip::open_only, name.c_str())});
  } catch (const bip::interprocess_exception& e) {
    throw std::runtime_error("cannot open shared memory '/" + name + "': " + e.what());
  }
  return std::unique_ptr<ShmBufferPool>(new ShmBufferPool(name, std::move(segment), false));
}

ShmBufferPool::ShmBufferPool(std::string name, std::unique_ptr<Segment> segment, bool owner)
    : name_(std::move(name)), segment_(std::move(segment)), owner_(owner) {}

ShmBufferPool::~ShmBufferPool() {
  segment_.reset();  // unmap first
  if (owner_ && !bip::shared_memory_object::remove(name_.c_str())) {
    std::fprintf(stderr, "interpbench: cannot remove shared memory '/%s'\n", name_.c_str());
  }
}

BufferPool::Handle ShmBufferPool::allocate(std::size_t size) {
  // The nothrow form: Boost's own bad_alloc is not a std::bad_alloc, which BufferPool promises.
  void* p = segment_->memory.allocate_aligned(size == 0 ? 1 : size, kBufferAlignment, std::nothrow);
  if (p == nullptr) throw std::bad_alloc();
  return Handle{static_cast<std::uint64_t>(segment_->memory.get_handle_from_address(p)),
                static_cast<std::uint64_t>(size)};
}

bool ShmBufferPool::valid(Handle h) const noexcept {
  const std::uint64_t total = segment_->memory.get_size();
  return h.offset > 0 && h.offset < total && h.size <= total - h.offset;
}

std::byte* ShmBufferPool::address(Handle h) {
  if (!valid(h)) {
    throw std::out_of_range("buffer pool '/" + name_ + "': handle (offset " +
                            std::to_string(h.offset) + ", size " + std::to_string(h.size) +
                            ") lies outside the pool");
  }
  return static_cast<std::byte*>(segment_->memory.get_address_from_handle(h.offset));
}

void ShmBufferPool::release(Handle h) noexcept {
  if (!valid(h)) {
    std::fprintf(stderr, "interpbench: buffer pool: ignoring release of an invalid handle\n");
    return;
  }
  try {
    segment_->memory.deallocate(segment_->memory.get_address_from_handle(h.offset));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "interpbench: buffer pool: %s\n", e.what());
  }
}

std::size_t ShmBufferPool::size_bytes() const noexcept { return segment_->memory.get_size(); }
std::size_t ShmBufferPool::free_bytes() const noexcept {
  return segment_->memory.get_free_memory();
}

}  // namespace interpbench
