#pragma once
// The in-process channel (subinterp and thread backends): an SpscRing on the heap, with private
// futexes, that hands big messages over by reference. It never touches Python: the _interpbench
// module releases the GIL around its blocking calls.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "backends/channel.h"
#include "core/deadline.h"
#include "backends/spsc_ring.h"

namespace interpbench {

class InProcessChannel final : public SpscRing {
 public:
  // Messages of at least this size are handed over by reference (see Handover): one copy
  // instead of two overlapped ones. From 128 KiB it pays (stream 512 KiB per message 36-47 ->
  // 18-27 µs; docs/performance.md, "Big messages"); 64 KiB is one ring chunk, not streamed.
  static constexpr std::uint64_t kHandoverMinBytes = 128 << 10;
  // Handed-over messages from this size on are copied half by the receiver and half by the
  // waiting sender (Handover): a round trip of 1 MiB 56 -> 32 µs on subinterp, a 16 MiB stream
  // 1.09 -> 0.68 ms (docs/performance.md, "Both sides copy a hand-over").
  static constexpr std::uint64_t kShareMinBytes = 128 << 10;

  // The ring gets ring_capacity(capacity_bytes) bytes: a power of two, at least 64.
  explicit InProcessChannel(std::size_t capacity_bytes);

  void send(std::span<const std::byte> msg, Deadline deadline) override;
  void close() noexcept override;

 private:
  // One big message lent by its sender: the receiver copies straight from the sender's buffer
  // (one copy instead of two through the ring), and the sender waits until then. At most one is
  // in flight (send blocks), so it lives here, in the object both sides share; the ring carries
  // its reference entry (length, ticket) in order among the other messages.
  // state = ticket << 2 | Phase. The receiver takes the message with a CAS posted -> taken (a
  // withdrawn or stale entry is recognised by its ticket); the sender withdraws it on timeout or
  // close with a CAS posted -> withdrawn, which fails while the receiver is copying.
  //
  // The copy is shared: a message of kShareMinBytes or more is copied half by the receiver and
  // half by the sender, which waits on another CPU anyway. The receiver opens the second half
  // (share = ticket << 2 | kOpen, with the destination) and copies the first; whoever claims the
  // second half first (a CAS from kOpen) copies it. A sender that sleeps or is slow to look
  // claims nothing, and the receiver copies both halves as before. The receiver returns only
  // once the sender's half is written (kSenderDone), which the sender's memcpy bounds.
  class Handover {
   public:
    // Sender: lends `msg`; returns the ticket for the ring entry.
    std::uint64_t post(std::span<const std::byte> msg) noexcept;
    // Sender: returns once the receiver copied the message; withdraws it and throws
    // ChannelClosed or ChannelTimeout when `ring` closes or the deadline passes first.
    // `receiver_elsewhere`: the receiver runs on another CPU, so the sender spins through its
    // copy instead of sleeping (a futex wake-up across CPUs costs more than the copy's tail).
    void wait_taken(std::uint64_t ticket, Deadline deadline, const Channel& ring,
                    bool receiver_elsewhere);
    // Receiver: the lent bytes, or nullopt when the sender withdrew them.
    std::optional<std::span<const std::byte>> take(std::uint64_t ticket) noexcept;
    // Receiver, between take and done: copies the taken message into `dst`, with the sender's
    // help for a big one (see above).
    void copy_to(std::uint64_t ticket, std::byte* dst) noexcept;
    void give_back(std::uint64_t ticket) noexcept;  // not copied after all: posted again
    void done(std::uint64_t ticket) noexcept;       // copied: the sender may go
    // Taken but found corrupt (its length does not match the ring entry's): never copied; the
    // sender's wait_taken throws ChannelClosed instead of waiting for a copy that never comes.
    void refuse(std::uint64_t ticket) noexcept;
    void wake_sender() noexcept;                    // close()

   private:
    enum Phase : std::uint64_t { kPosted = 0, kTaken = 1, kDone = 2, kWithdrawn = 3 };
    enum Share : std::uint64_t { kOpen = 0, kReceiverHalf = 1, kSenderHalf = 2, kSenderDone = 3 };
    // Sender, while it waits for `ticket`: copies the second half if it is open for it.
    void help_copy(std::uint64_t ticket) noexcept;
    std::uint64_t state_ = 0;  // atomic_ref; ticket << 2 | Phase
    std::uint64_t share_ = 0;  // atomic_ref; ticket << 2 | Share (0: nothing shared yet)
    std::byte* dst_ = nullptr;  // the receiver's destination, written before share_ opens
    std::uint64_t split_ = 0;   // where the second half starts
    const std::byte* data_ = nullptr;
    std::uint64_t len_ = 0;
    std::uint32_t done_word_ = 0;  // event word (futex.h): the sender sleeps here
    std::uint64_t next_ticket_ = 1;  // the sender's
  };

  InProcessChannel(const std::shared_ptr<void>& region, std::size_t capacity_bytes)
      : SpscRing(region.get(), ring_capacity(capacity_bytes), /*shared=*/false, RingInit::kCreate,
                 region) {}

  std::uint64_t take_reference(std::uint64_t len, std::uint64_t ticket,
                               const MessageSink& sink) override;

  alignas(kCacheLineSize) Handover handover_;  // both sides
};

std::shared_ptr<Channel> make_inproc_channel(std::size_t capacity_bytes);

// Two in-process channels, one per direction: the driver's view (the worker's is the reverse).
ChannelPair make_inproc_channel_pair(std::size_t capacity_bytes);

}  // namespace interpbench
