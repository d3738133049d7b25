#include "backends/inproc_channel.h"

#include <sched.h>

#include <atomic>
#include <cstring>
#include <new>
#include <utility>

#include "backends/futex.h"
#include "backends/spin_policy.h"

namespace interpbench {
namespace {

// One cache-line-aligned heap block holding a ring region, freed with the channel.
std::shared_ptr<void> allocate_region(std::size_t capacity) {
  const std::size_t bytes = ring_region_bytes(capacity);
  void* p = ::operator new(bytes, std::align_val_t{kCacheLineSize});
  return std::shared_ptr<void>(
      p, [](void* q) { ::operator delete(q, std::align_val_t{kCacheLineSize}); });
}

std::atomic_ref<std::uint64_t> atomic(std::uint64_t& state) {
  return std::atomic_ref<std::uint64_t>(state);
}

}  // namespace

InProcessChannel::InProcessChannel(std::size_t capacity_bytes)
    : InProcessChannel(allocate_region(ring_capacity(capacity_bytes)), capacity_bytes) {}

void InProcessChannel::send(std::span<const std::byte> msg, Deadline deadline) {
  if (msg.size() < kHandoverMinBytes) return SpscRing::send(msg, deadline);
  if (is_closed()) throw ChannelClosed("send on a closed channel");
  if (!wait_for_room(kReferenceEntryBytes, deadline)) throw ChannelTimeout("send timed out: ring full");
  if (is_closed()) throw ChannelClosed("send on a closed channel");
  const std::uint64_t ticket = handover_.post(msg);
  put_reference(msg.size(), ticket);
  handover_.wait_taken(ticket, deadline, *this, consumer_elsewhere());  // until then msg must stay valid
}

void InProcessChannel::close() noexcept {
  SpscRing::close();
  handover_.wake_sender();
}

std::uint64_t InProcessChannel::take_reference(std::uint64_t len, std::uint64_t ticket,
                                               const MessageSink& sink) {
  const auto msg = handover_.take(ticket);
  if (!msg) {
    drop_reference();  // withdrawn by its sender (timeout or close): nothing to deliver
    return kSkippedEntry;
  }
  if (len != msg->size()) {
    handover_.refuse(ticket);  // never copied: the sender may go (and says why) instead of waiting
    corrupt("by-reference message length mismatch");
  }
  std::byte* dst = nullptr;
  try {
    dst = sink(len);
  } catch (...) {
    handover_.give_back(ticket);  // a throwing sink loses nothing: a later recv gets the message
    throw;
  }
  if (len != 0) handover_.copy_to(ticket, dst);
  drop_reference();
  handover_.done(ticket);
  return len;
}

std::uint64_t InProcessChannel::Handover::post(std::span<const std::byte> msg) noexcept {
  const std::uint64_t ticket = next_ticket_++;
  data_ = msg.data();
  len_ = msg.size();
  // release: data and len are written before a receiver can take the message.
  atomic(state_).store(ticket << 2 | kPosted, std::memory_order_release);
  return ticket;
}

void InProcessChannel::Handover::wait_taken(std::uint64_t ticket, Deadline deadline,
                                            const Channel& ring, bool receiver_elsewhere) {
  const std::uint64_t posted = ticket << 2 | kPosted;
  const std::uint64_t done = ticket << 2 | kDone;
  const std::uint64_t refused = ticket << 2 | kWithdrawn;
  const auto spin_until = Clock::now() + SpinBudget<kRingSpin>::kMax;
  for (unsigned i = 1;; ++i) {
    std::uint64_t s = atomic(state_).load(std::memory_order_acquire);
    if (s == done) return;
    if (s == (ticket << 2 | kTaken)) help_copy(ticket);
    if (s == refused) throw ChannelClosed("channel closed: the receiver found the message corrupt");
    // The clock every 64 polls: a read per poll would cost more than the poll.
    const bool check_clock = (i & 63) == 0;
    if (s == posted && (ring.is_closed() || (check_clock && deadline.expired()))) {
      if (atomic(state_).compare_exchange_strong(s, ticket << 2 | kWithdrawn,
                                                 std::memory_order_acq_rel)) {
        if (ring.is_closed()) throw ChannelClosed("channel closed before the message was received");
        throw ChannelTimeout("send timed out: the receiver did not take the message");
      }
      continue;  // taken meanwhile: wait for the copy to end
    }
    // Taken on a ring that closed (a receiver that gave up on it): wait for the copy no longer
    // than the deadline. An open ring's receiver is copying, a wait bounded by one memcpy.
    if (s != posted && ring.is_closed() && check_clock && deadline.expired()) {
      throw ChannelClosed("channel closed while the receiver held the message");
    }
    futex::cpu_relax();
    if ((i & 63) != 0 || Clock::now() < spin_until) continue;
    // Taken by a receiver on another CPU: it is copying, a wait bounded by one memcpy. Spinning
    // through it costs that CPU nothing; sleeping costs a cross-CPU wake-up (issue 16, P6).
    if (s != posted && receiver_elsewhere && !ring.is_closed()) continue;
    const std::uint32_t seen = futex::prepare_wait(&done_word_);
    if (atomic(state_).load(std::memory_order_seq_cst) != s) continue;
    // Posted: sleep until the deadline (close() and the receiver wake us). Taken: the receiver
    // is copying, a wait bounded by one memcpy (its notify wakes us); re-checked every
    // millisecond all the same.
    std::optional<std::chrono::nanoseconds> left = deadline.remaining();
    if (s != posted) left = std::chrono::milliseconds(1);
    futex::wait(&done_word_, seen, false, left);
  }
}

std::optional<std::span<const std::byte>> InProcessChannel::Handover::take(
    std::uint64_t ticket) noexcept {
  std::uint64_t expected = ticket << 2 | kPosted;
  if (!atomic(state_).compare_exchange_strong(expected, ticket << 2 | kTaken,
                                              std::memory_order_acq_rel)) {
    return std::nullopt;
  }
  return std::span<const std::byte>(data_, len_);
}

void InProcessChannel::Handover::copy_to(std::uint64_t ticket, std::byte* dst) noexcept {
  if (len_ < kShareMinBytes) {
    std::memcpy(dst, data_, len_);
    return;
  }
  // Halves split on a page, so that neither side's stores share a line with the other's.
  split_ = (len_ / 2) & ~std::uint64_t{4095};
  dst_ = dst;
  // release: dst_ and split_ are written before the sender can see the half open.
  atomic(share_).store(ticket << 2 | kOpen, std::memory_order_release);
  std::memcpy(dst, data_, split_);
  std::uint64_t open = ticket << 2 | kOpen;
  if (atomic(share_).compare_exchange_strong(open, ticket << 2 | kReceiverHalf,
                                             std::memory_order_acq_rel)) {
    std::memcpy(dst + split_, data_ + split_, len_ - split_);
    return;
  }
  // The sender claimed it and is copying it: a wait bounded by its memcpy.
  const std::uint64_t finished = ticket << 2 | kSenderDone;
  for (unsigned i = 1; atomic(share_).load(std::memory_order_acquire) != finished; ++i) {
    futex::cpu_relax();
    if ((i & 1023) == 0) sched_yield();  // a preempted sender gets the CPU back sooner
  }
}

void InProcessChannel::Handover::help_copy(std::uint64_t ticket) noexcept {
  std::uint64_t open = ticket << 2 | kOpen;
  if (atomic(share_).load(std::memory_order_relaxed) != open) return;
  // acquire: the receiver's dst_ and split_ are visible once the claim succeeds.
  if (!atomic(share_).compare_exchange_strong(open, ticket << 2 | kSenderHalf,
                                              std::memory_order_acquire)) {
    return;
  }
  std::memcpy(dst_ + split_, data_ + split_, len_ - split_);
  // release: our half is written before the receiver returns the message.
  atomic(share_).store(ticket << 2 | kSenderDone, std::memory_order_release);
}

void InProcessChannel::Handover::give_back(std::uint64_t ticket) noexcept {
  atomic(state_).store(ticket << 2 | kPosted, std::memory_order_release);
}

void InProcessChannel::Handover::done(std::uint64_t ticket) noexcept {
  // release: our reads of the sender's bytes are done before it may reuse them.
  atomic(state_).store(ticket << 2 | kDone, std::memory_order_seq_cst);
  futex::notify(&done_word_, false);
}

void InProcessChannel::Handover::refuse(std::uint64_t ticket) noexcept {
  atomic(state_).store(ticket << 2 | kWithdrawn, std::memory_order_seq_cst);
  futex::notify(&done_word_, false);
}

void InProcessChannel::Handover::wake_sender() noexcept { futex::notify_all(&done_word_, false); }

std::shared_ptr<Channel> make_inproc_channel(std::size_t capacity_bytes) {
  return std::make_shared<InProcessChannel>(capacity_bytes);
}

ChannelPair make_inproc_channel_pair(std::size_t capacity_bytes) {
  auto to = std::make_shared<InProcessChannel>(capacity_bytes);
  auto from = std::make_shared<InProcessChannel>(capacity_bytes);
  SpscRing::pair_with(*to, *from);
  return {std::move(to), std::move(from)};
}

}  // namespace interpbench
