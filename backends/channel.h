#pragma once
// The one CSP channel interface every backend speaks: a bounded FIFO of byte messages with one
// sender and one receiver, closable, where every wait can time out. Messages are bytes on purpose:
// workloads encode object graphs themselves (pickle, marshal) so that cost shows in the figures.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "backends/buffer_pool.h"
#include "core/deadline.h"

namespace interpbench {

// send() on a closed channel.
struct ChannelClosed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A wait reached its deadline. A timeout before any byte of a message moved leaves the channel
// intact; one in the middle of a streamed message (above one 64 KiB chunk) closes the channel
// (see spsc_ring.h).
struct ChannelTimeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Message = std::vector<std::byte>;

// Called by recv_into with the size of the incoming message; returns where to put its bytes
// (lets Python recv() write straight into a new bytes object, with no intermediate copy).
using MessageSink = std::function<std::byte*(std::size_t size)>;

enum class TryResult { kDone, kWouldBlock, kClosed };

class Channel {
 public:
  virtual ~Channel() = default;

  // Blocks until the whole message is queued. Throws ChannelTimeout, or ChannelClosed.
  virtual void send(std::span<const std::byte> msg, Deadline deadline) = 0;
  // kDone, kWouldBlock when the ring has no room for the whole message now, or kClosed.
  virtual TryResult try_send(std::span<const std::byte> msg) = 0;

  // Blocks until a message arrives; returns its size, or nullopt once the channel is closed and
  // drained (end of stream). Throws ChannelTimeout.
  virtual std::optional<std::size_t> recv_into(const MessageSink& sink, Deadline deadline) = 0;
  // kDone (message delivered to sink), kWouldBlock (empty), kClosed (closed and drained).
  virtual TryResult try_recv_into(const MessageSink& sink) = 0;

  // Views (Python's recv_view): while on, a message that can stay where its sender put it (a big
  // message in a shared-memory pool, see ShmChannel) is delivered as its pool handle instead of
  // a copy: recv_into then returns its size without calling the sink, and take_view() hands the
  // handle (and the block) to the caller. The first call also tells the sender to use the pool.
  // A channel that can't do this ignores it and always copies.
  virtual void deliver_views(bool /*on*/) noexcept {}
  virtual std::optional<BufferPool::Handle> take_view() noexcept { return std::nullopt; }

  // Idempotent; wakes every waiter on both ends. Messages already queued can still be received.
  virtual void close() noexcept = 0;
  virtual bool is_closed() const noexcept = 0;

  // True when recv would not block (a message is waiting, or the channel is closed).
  virtual bool readable() const noexcept = 0;
  // The 32-bit futex word select() sleeps on, following the event word protocol of futex.h: a
  // sleeper sets bit 0 (futex::prepare_wait), re-checks readable(), then sleeps on the value; the
  // word then changes (and sleepers are woken) whenever readable() may have changed.
  // `shared` says whether it lives in memory shared between processes (no FUTEX_PRIVATE_FLAG).
  struct WaitWord {
    const std::uint32_t* word;
    bool shared;
  };
  virtual WaitWord recv_wait_word() const noexcept = 0;

  // Convenience over recv_into.
  std::optional<Message> recv(Deadline deadline) {
    Message out;
    auto n = recv_into([&](std::size_t size) { out.resize(size); return out.data(); }, deadline);
    if (!n) return std::nullopt;
    return out;
  }
};

// Waits until one of `channels` is readable; returns its index, or nullopt at the deadline. Fair:
// each thread's scan starts after the channel its last select returned, so ready channels are
// served in turn. Sleeps with futex_waitv (Linux >= 5.16) on every channel's wait word.
std::optional<std::size_t> select_readable(std::span<Channel* const> channels, Deadline deadline);

// What a driver holds for one worker: the channel it sends on and the one it receives from.
// The worker holds the same two channels the other way round.
struct ChannelPair {
  std::shared_ptr<Channel> to_worker;
  std::shared_ptr<Channel> from_worker;
};

}  // namespace interpbench
