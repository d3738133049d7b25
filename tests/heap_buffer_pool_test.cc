// HeapBufferPool: handles round-trip to the same bytes, release frees, usable from many threads.
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backends/heap_buffer_pool.h"

namespace interpbench {
namespace {

TEST(HeapBufferPoolTest, HandleLeadsBackToTheSameBytes) {
  HeapBufferPool pool;
  const auto h = pool.allocate(100);
  EXPECT_EQ(h.size, 100u);
  std::memset(pool.address(h), 0x42, 100);
  const BufferPool::Handle copy = h;  // what travels over a channel
  EXPECT_EQ(pool.address(copy)[99], std::byte{0x42});
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(pool.address(h)) % HeapBufferPool::kAlignment, 0u);
  EXPECT_EQ(pool.outstanding(), 1);
  pool.release(h);
  EXPECT_EQ(pool.outstanding(), 0);
}

TEST(HeapBufferPoolTest, AllocatesAndReleasesFromManyThreads) {
  HeapBufferPool pool;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&pool, t] {
      for (int i = 0; i < 1000; ++i) {
        const auto h = pool.allocate(static_cast<std::size_t>(i % 300));
        if (h.size) pool.address(h)[0] = static_cast<std::byte>(t);
        pool.release(h);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(pool.outstanding(), 0);
}

}  // namespace
}  // namespace interpbench
