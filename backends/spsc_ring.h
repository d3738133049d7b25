#pragma once
// A lock-free single-producer single-consumer ring of variable-size byte messages, in the style of
// rigtorp/SPSCQueue, that works in any memory: heap (InProcessChannel) or a shared-memory segment
// mapped at different addresses by different processes (ShmChannel).
//
// Layout of a ring region: RingHeader (3 cache lines), then `capacity` data bytes (a power of
// two). The header is trivial, holds no pointers (positions are byte counts since creation, taken
// modulo the capacity) and is the only thing both sides share. Each message is an 8-byte length
// followed by its bytes; neither is padded, and either may wrap around the end of the data area.
//
// Messages of at most one chunk (stream_chunk_bytes: 64 KiB, or half a smaller ring) are
// published at once: the reader sees all or none. Larger ones are streamed, whether or not they
// fit the ring: the writer publishes the header, then the bytes a chunk at a time as room appears,
// and the reader copies each chunk out as it lands, so the two copies overlap (a big message
// used to be published whole, or in half-ring pieces: the reader waited for all of it, its spin
// ran out and it slept, stop-and-go). try_send still writes a message only when all of it fits.
// Timeout rule (channel.h): a timeout before the first byte of a
// message moved leaves the channel intact; a timeout in the middle of a streamed message (on
// either side) closes the channel, since the other side cannot resynchronise. A reader that sees
// the channel closed in the middle of a streamed message drops the partial message and reports
// end of stream.
//
// Waiting: spin with a pause instruction (the peer usually answers within a microsecond), then
// sleep on a futex event word (futex.h) with the deadline as the timeout. The writer sleeps on
// space_word, the reader (and select) on data_word. The other side calls futex wake only when a
// sleeper announced itself, so the fast path makes no system call.
// The spin is adaptive, per side (SpinBudget): back to kMaxSpinNs whenever a spin caught the peer,
// halved (down to kMinSpinNs) whenever it ran out and the side had to sleep. A fixed spin was
// measured to be the wrong trade on a busy 2-core VM (docs/performance.md): when both sides end
// up on one CPU, a spinning side keeps the peer it waits for off that CPU, and a round trip costs
// two full spins plus two wake-ups (5 us spin: 18.8 us; 20 us: 49.6 us; 50 us: 110 us, against
// 0.7 us when each side has its own CPU). With the adaptive budget a side that never catches the
// peer sleeps almost at once (~9 us round trips there), and one that does keeps spinning. Every
// kSpinProbeEvery-th wait of a side at the floor spins the full kMaxSpinNs, to notice that the
// peer has got its own CPU again. The budget only applies to a peer on our CPU (or of unknown
// CPU): each side notes the CPU it publishes/consumes on in its own line, and a waiter whose
// peer was last seen on another CPU always spins the full kMaxSpinNs. Without that, a few
// misses (a slow 64 KiB copy, a descheduled peer) shrank both sides' spins, both then slept on
// every wait, and each round trip paid two cross-CPU wake-ups for good: 64 KiB round trips of
// 37-49 us instead of 8-14 us, in interleaved quick runs (docs/performance.md).
//
// Robustness against a dead or hostile peer: each side keeps its own position in process-local
// memory and never trusts the shared copy of it; the peer's position and every length read from
// the ring are bounds-checked (a bad one closes the ring and throws ChannelCorrupt). Anyone, e.g.
// a supervisor whose worker died, can close() the ring, which wakes every sleeper.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <sched.h>

#include "backends/channel.h"
#include "core/deadline.h"
#include "backends/futex.h"

namespace interpbench {

inline constexpr std::size_t kCacheLineSize = 64;

// A length or position read from the ring is impossible: the shared header was overwritten.
struct ChannelCorrupt : ChannelClosed {
  using ChannelClosed::ChannelClosed;
};

// The shared part of a ring. Every field but the constants is accessed through std::atomic_ref.
struct RingHeader {
  static constexpr std::uint64_t kMagic = 0x31676e6972627069ULL;  // "ipbring1"

  // Read-mostly line: constants set by the creator, and the closed flag (set once, by anyone).
  std::uint64_t magic;
  std::uint64_t capacity_bytes;
  std::uint32_t closed;

  // The producer's line: what it writes on every message.
  alignas(kCacheLineSize) std::uint64_t write_pos;  // no false sharing with the consumer's line
  std::uint32_t data_word;  // event word: the consumer and select() sleep here
  std::uint32_t producer_cpu;  // 1 + the CPU the producer last published from; 0: unknown

  // The consumer's line.
  alignas(kCacheLineSize) std::uint64_t read_pos;
  std::uint32_t space_word;  // event word: the producer sleeps here while the ring is full
  std::uint32_t consumer_cpu;  // 1 + the CPU the consumer last consumed on; 0: unknown
};
static_assert(std::is_trivial_v<RingHeader> && std::is_standard_layout_v<RingHeader>,
              "RingHeader lives in shared memory: no constructors, no pointers");
static_assert(sizeof(RingHeader) == 3 * kCacheLineSize);
static_assert(offsetof(RingHeader, write_pos) == kCacheLineSize);
static_assert(offsetof(RingHeader, read_pos) == 2 * kCacheLineSize);
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free &&
                  std::atomic_ref<std::uint32_t>::is_always_lock_free,
              "positions must be lock-free to be shared between processes");

inline constexpr std::size_t kMinRingCapacity = 64;
inline constexpr std::size_t kMaxRingCapacity = std::size_t{1} << 36;       // 64 GiB
inline constexpr std::uint64_t kMaxMessageBytes = std::uint64_t{1} << 40;  // sanity bound

// The capacity a ring really gets for a requested one: a power of two >= kMinRingCapacity.
// Throws std::invalid_argument above kMaxRingCapacity.
inline std::size_t ring_capacity(std::size_t requested) {
  if (requested > kMaxRingCapacity) throw std::invalid_argument("ring capacity too large");
  std::size_t c = kMinRingCapacity;
  while (c < requested) c <<= 1;
  return c;
}
// Bytes a ring region of that capacity takes (header + data), a multiple of the cache line.
inline std::size_t ring_region_bytes(std::size_t capacity) {
  return sizeof(RingHeader) + ring_capacity(capacity);
}

enum class RingInit { kCreate, kAttach };

// A view of one ring region, implementing Channel. One producer and one consumer; they may share
// this object (threads) or each hold their own view of the same region (processes).
class SpscRing : public Channel {
 public:
  static constexpr std::uint64_t kLenBytes = sizeof(std::uint64_t);
  // Adaptive spin before a futex sleep (see "Waiting" above).
  static constexpr std::int64_t kMaxSpinNs = 20'000;
  static constexpr std::int64_t kMinSpinNs = 500;
  static constexpr unsigned kSpinProbeEvery = 64;
  // How long try_recv waits for the rest of a streamed message that has begun. Generous: a
  // writer mid-send is copying, not thinking; a writer that stalls this long is frozen or dead
  // without a supervisor to close the ring (or the header is hostile), and then try_recv must
  // not block forever.
  static constexpr std::chrono::seconds kDefaultStreamStallLimit{30};
  // Chunk of a streamed message: small enough that the peer sees progress every few
  // microseconds (its spin keeps going, see wait_until), large enough that publishing is rare.
  static constexpr std::uint64_t kStreamChunkBytes = 64 * 1024;
  // In-process rings hand messages of at least this size over by reference (see Handover).
  static constexpr std::uint64_t kHandoverMinBytes = 1 << 20;

  // `region` holds ring_region_bytes(capacity) bytes aligned to a cache line. kCreate writes a
  // fresh header; kAttach checks the existing one (throws ChannelCorrupt when it does not match).
  // `shared`: the region is shared between processes (futex without FUTEX_PRIVATE_FLAG).
  // `keepalive` owns the memory (heap block or mapped segment), if the caller wants it tied here.
  SpscRing(void* region, std::size_t capacity, bool shared, RingInit init,
           std::shared_ptr<void> keepalive = {})
      : keepalive_(std::move(keepalive)),
        h_(static_cast<RingHeader*>(region)),
        data_(static_cast<std::byte*>(region) + sizeof(RingHeader)),
        capacity_(capacity),
        chunk_(stream_chunk_bytes(capacity)),
        shared_(shared) {
    if (capacity != ring_capacity(capacity)) {
      throw std::invalid_argument("ring capacity must be a power of two >= 64");
    }
    if (reinterpret_cast<std::uintptr_t>(region) % kCacheLineSize != 0) {
      throw std::invalid_argument("ring region must be cache-line aligned");
    }
    if (init == RingInit::kCreate) {
      std::memset(static_cast<void*>(h_), 0, sizeof(RingHeader));
      h_->capacity_bytes = capacity;
      // Publishes the initialised header (and capacity) before the magic that attachers check.
      std::atomic_ref<std::uint64_t>(h_->magic).store(RingHeader::kMagic, std::memory_order_release);
    } else {
      if (std::atomic_ref<std::uint64_t>(h_->magic).load(std::memory_order_acquire) !=
              RingHeader::kMagic ||
          h_->capacity_bytes != capacity) {
        throw ChannelCorrupt("ring header does not match: not an interpbench ring of this size");
      }
    }
    // Each side's own position, from now on kept here (the shared copy is only published).
    write_pos_ = cached_write_pos_ = pos(h_->write_pos).load(std::memory_order_acquire);
    read_pos_ = cached_read_pos_ = pos(h_->read_pos).load(std::memory_order_acquire);
    if (read_pos_ > write_pos_ || write_pos_ - read_pos_ > capacity_) {
      throw ChannelCorrupt("ring positions out of bounds");
    }
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }
  // Messages with more bytes than this are streamed: published (and consumed) a chunk at a time,
  // so that both sides copy at once. Half the ring at most, so a chunk always finds room.
  static constexpr std::uint64_t stream_chunk_bytes(std::uint64_t capacity) {
    return std::min<std::uint64_t>(kStreamChunkBytes, capacity / 2);
  }
  void set_stream_stall_limit(std::chrono::nanoseconds limit) noexcept { stream_stall_limit_ = limit; }

  // ---- producer ----------------------------------------------------------------------------

  void send(std::span<const std::byte> msg, Deadline deadline) override {
    const std::uint64_t total = kLenBytes + msg.size();
    if (is_closed()) throw ChannelClosed("send on a closed channel");
    if (!shared_ && msg.size() >= kHandoverMinBytes) return send_by_reference(msg, deadline);
    if (!streamed(msg.size())) {
      if (!wait_for_room(total, deadline)) throw ChannelTimeout("send timed out: ring full");
      if (is_closed()) throw ChannelClosed("send on a closed channel");
      put_message(msg);
      return;
    }
    // Streamed, chunk by chunk as room appears. Until the first byte is published, a timeout is
    // harmless.
    if (!wait_for_room(kLenBytes + chunk_, deadline)) throw ChannelTimeout("send timed out: ring full");
    if (is_closed()) throw ChannelClosed("send on a closed channel");
    std::uint64_t len = msg.size();
    copy_in(write_pos_, reinterpret_cast<const std::byte*>(&len), kLenBytes);
    publish(kLenBytes);
    std::size_t done = 0;
    while (done < msg.size()) {
      const std::uint64_t left = msg.size() - done;
      if (!wait_for_room(std::min(left, chunk_), deadline)) {
        close();
        throw ChannelTimeout("send timed out in the middle of a streamed message; channel closed");
      }
      if (is_closed()) throw ChannelClosed("channel closed in the middle of a message");
      // At most a chunk per publish: the reader starts copying it out while we copy the next in.
      const std::uint64_t n = std::min({left, room(), chunk_});
      copy_in(write_pos_, msg.data() + done, n);
      publish(n);
      done += n;
    }
  }

  TryResult try_send(std::span<const std::byte> msg) override {
    if (is_closed()) return TryResult::kClosed;
    const std::uint64_t total = kLenBytes + msg.size();
    // A message larger than the ring can only be streamed, which blocks: use send().
    if (total > capacity_ || !has_room(total)) return TryResult::kWouldBlock;
    put_message(msg);
    return TryResult::kDone;
  }

  // ---- consumer ----------------------------------------------------------------------------

  std::optional<std::size_t> recv_into(const MessageSink& sink, Deadline deadline) override {
    for (;;) {
      if (!wait_until(&h_->data_word, deadline, [&] { return is_closed() || has_bytes(kLenBytes); })) {
        throw ChannelTimeout("recv timed out");
      }
      const auto n = take_message(sink, deadline);
      if (n != kWithdrawn) return n;
    }
  }

  TryResult try_recv_into(const MessageSink& sink) override {
    // closed is read before the positions: whatever was sent before close() is then visible.
    for (;;) {
      const bool closed = is_closed();
      if (!has_bytes(kLenBytes)) return closed ? TryResult::kClosed : TryResult::kWouldBlock;
      // A streamed message that has begun is received to its end; the writer is in the middle of
      // send(), and close() (by it, by a timeout, or by a supervisor) ends the wait. A writer
      // that stalls past the limit makes this throw ChannelTimeout and close the ring (what is
      // left of the message can't be told from the next one).
      const auto n = take_message(sink, Deadline::after(stream_stall_limit_));
      if (n != kWithdrawn) return n ? TryResult::kDone : TryResult::kClosed;
    }
  }

  // ---- either side, or a supervisor --------------------------------------------------------

  void close() noexcept override {
    std::atomic_ref<std::uint32_t>(h_->closed).store(1, std::memory_order_seq_cst);
    // Unconditional wake-ups: close is rare, and must reach sleepers whatever state flags are in.
    futex::notify_all(&h_->data_word, shared_);
    futex::notify_all(&h_->space_word, shared_);
    if (!shared_) futex::notify_all(&handover_.done_word, false);  // a sender waiting for its reader
  }

  bool is_closed() const noexcept override {
    return std::atomic_ref<std::uint32_t>(h_->closed).load(std::memory_order_seq_cst) != 0;
  }

  // Reads only shared state, so any thread may ask (select runs beside the consumer).
  bool readable() const noexcept override {
    return is_closed() || pos(h_->write_pos).load(std::memory_order_seq_cst) !=
                              pos(h_->read_pos).load(std::memory_order_seq_cst);
  }

  WaitWord recv_wait_word() const noexcept override { return {&h_->data_word, shared_}; }

 private:
  static std::atomic_ref<std::uint64_t> pos(std::uint64_t& p) {
    return std::atomic_ref<std::uint64_t>(p);
  }

  [[noreturn]] void corrupt(const char* what) {
    close();
    throw ChannelCorrupt(std::string("corrupted ring: ") + what + "; channel closed");
  }

  // One side's spin length, learnt from how its last waits went. Touched only by that side.
  struct SpinBudget {
    std::int64_t ns = kMaxSpinNs;
    unsigned waits_at_floor = 0;

    std::int64_t next() noexcept {
      if (ns > kMinSpinNs) return ns;
      return ++waits_at_floor % kSpinProbeEvery == 0 ? kMaxSpinNs : ns;
    }
    void caught() noexcept { ns = kMaxSpinNs; }
    void missed() noexcept { ns = std::max(kMinSpinNs, ns / 2); }
  };

  // 1 + the CPU this thread runs on (sched_getcpu through rseq: ~3 ns here), 0 when unknown.
  static std::uint32_t this_cpu() noexcept {
    const int cpu = sched_getcpu();
    return cpu < 0 ? 0 : static_cast<std::uint32_t>(cpu) + 1;
  }
  // A side's CPU, in its own cache line (the one it writes its position to anyway), so that the
  // other side can tell whether its spin could keep it off its CPU.
  static void note_cpu(std::uint32_t& field) noexcept {
    const std::uint32_t cpu = this_cpu();
    std::atomic_ref<std::uint32_t> f(field);
    if (f.load(std::memory_order_relaxed) != cpu) f.store(cpu, std::memory_order_relaxed);
  }

  // Spins, then sleeps on `word` until done() or the deadline. False: timed out.
  // The spin is progress-aware: while the peer's position keeps moving (it is copying a streamed
  // message, chunk by chunk), the budget starts again, since a peer that runs answers soon; a
  // peer that shares our CPU can't move, so this never prolongs a spin that keeps it off the CPU.
  template <class Done>
  bool wait_until(std::uint32_t* word, Deadline deadline, Done done) {
    if (done()) return true;
    if (deadline.expired()) return false;
    // data_word is waited on by the consumer only, space_word by the producer only.
    const bool consumer = word == &h_->data_word;
    SpinBudget& budget = consumer ? consumer_spin_ : producer_spin_;
    std::uint64_t& peer = consumer ? h_->write_pos : h_->read_pos;
    std::uint64_t peer_seen = pos(peer).load(std::memory_order_relaxed);
    // A peer last seen on another CPU can't be kept off it by our spin: spin the full budget and
    // don't learn from a miss (a halved spin there makes both sides sleep, and every round trip
    // then pays two cross-CPU wake-ups: 30-50 us on a VM whose idle vCPUs halt). Only a peer on
    // our CPU, or one we know nothing of, gets the adaptive budget.
    const std::uint32_t peer_cpu =
        std::atomic_ref<std::uint32_t>(consumer ? h_->producer_cpu : h_->consumer_cpu)
            .load(std::memory_order_relaxed);
    const bool peer_elsewhere = peer_cpu != 0 && peer_cpu != this_cpu();
    const auto spin = std::chrono::nanoseconds(peer_elsewhere ? kMaxSpinNs : budget.next());
    auto spin_until = Clock::now() + spin;
    const auto hard_stop = deadline.when();
    for (unsigned i = 1;; ++i) {
      futex::cpu_relax();
      if (done()) {
        budget.caught();
        return true;
      }
      if ((i & 63) != 0) continue;
      const auto now = Clock::now();
      if (hard_stop && now >= *hard_stop) break;
      if (const std::uint64_t p = pos(peer).load(std::memory_order_relaxed); p != peer_seen) {
        peer_seen = p;
        spin_until = now + spin;
      } else if (now >= spin_until) {
        break;
      }
    }
    if (!peer_elsewhere) budget.missed();
    for (;;) {
      const std::uint32_t seen = futex::prepare_wait(word);
      if (done()) return true;  // re-check after announcing ourselves: no lost wake-up
      const auto left = deadline.remaining();
      if (left && left->count() == 0) return false;
      futex::wait(word, seen, shared_, left);
    }
  }

  bool streamed(std::uint64_t len) const noexcept { return len > chunk_; }

  // Producer: free bytes, refreshing the cached consumer position only when needed.
  std::uint64_t room() const noexcept { return capacity_ - (write_pos_ - cached_read_pos_); }
  bool has_room(std::uint64_t need) {
    if (room() >= need) return true;
    // seq_cst: pairs with prepare_wait in wait_until (see futex.h); acquire is what the data
    // needs: the consumer finished reading the bytes before it released them.
    const std::uint64_t r = pos(h_->read_pos).load(std::memory_order_seq_cst);
    if (r < cached_read_pos_ || r > write_pos_) corrupt("read position out of bounds");
    cached_read_pos_ = r;
    return room() >= need;
  }
  bool wait_for_room(std::uint64_t need, Deadline deadline) {
    return wait_until(&h_->space_word, deadline, [&] { return is_closed() || has_room(need); });
  }

  void copy_in(std::uint64_t at, const std::byte* src, std::uint64_t n) noexcept {
    const std::uint64_t off = at & (capacity_ - 1);
    const std::uint64_t first = std::min(n, capacity_ - off);
    if (n == 0) return;  // an empty message's span may hold a null pointer
    std::memcpy(data_ + off, src, first);
    if (n > first) std::memcpy(data_, src + first, n - first);
  }
  void put_message(std::span<const std::byte> msg) {
    const std::uint64_t len = msg.size();
    copy_in(write_pos_, reinterpret_cast<const std::byte*>(&len), kLenBytes);
    copy_in(write_pos_ + kLenBytes, msg.data(), msg.size());
    publish(kLenBytes + msg.size());
  }
  void publish(std::uint64_t n) {
    write_pos_ += n;
    // release: the bytes are written before the consumer can see the position move; seq_cst
    // because notify()'s check of the waiter flag must not be ordered before this store.
    pos(h_->write_pos).store(write_pos_, std::memory_order_seq_cst);
    note_cpu(h_->producer_cpu);
    futex::notify(&h_->data_word, shared_);
  }

  // Consumer: bytes available, refreshing the cached producer position only when needed.
  std::uint64_t available() const noexcept { return cached_write_pos_ - read_pos_; }
  bool has_bytes(std::uint64_t need) {
    if (available() >= need) return true;
    // acquire (as seq_cst, for prepare_wait): the producer wrote the bytes before this position.
    const std::uint64_t w = pos(h_->write_pos).load(std::memory_order_seq_cst);
    if (w < cached_write_pos_ || w - read_pos_ > capacity_) corrupt("write position out of bounds");
    cached_write_pos_ = w;
    return available() >= need;
  }

  void copy_out(std::uint64_t at, std::byte* dst, std::uint64_t n) const noexcept {
    const std::uint64_t off = at & (capacity_ - 1);
    const std::uint64_t first = std::min(n, capacity_ - off);
    if (n == 0) return;  // the sink of an empty message may return a null pointer
    std::memcpy(dst, data_ + off, first);
    if (n > first) std::memcpy(dst + first, data_, n - first);
  }
  void consume(std::uint64_t n) {
    read_pos_ += n;
    // release: our reads of the bytes are done before the producer may overwrite them.
    pos(h_->read_pos).store(read_pos_, std::memory_order_seq_cst);
    note_cpu(h_->consumer_cpu);
    futex::notify(&h_->space_word, shared_);
  }

  // Called once a length header is visible, or the ring is closed. nullopt: end of stream.
  std::optional<std::size_t> take_message(const MessageSink& sink, Deadline deadline) {
    if (!has_bytes(kLenBytes)) return std::nullopt;  // closed and drained
    std::uint64_t len = 0;
    copy_out(read_pos_, reinterpret_cast<std::byte*>(&len), kLenBytes);
    if ((len & kByReference) != 0) return take_by_reference(len & ~kByReference, sink);
    if (len > kMaxMessageBytes) corrupt("message length out of bounds");
    const std::uint64_t total = kLenBytes + len;
    if (!streamed(len)) {
      // Published at once by the producer: all of it must be there.
      if (!has_bytes(total)) corrupt("message shorter than its length");
      std::byte* dst = sink(len);
      copy_out(read_pos_ + kLenBytes, dst, len);
      consume(total);
      return len;
    }
    std::byte* dst = sink(len);  // before consuming anything: a throwing sink loses nothing
    consume(kLenBytes);
    std::uint64_t done = 0;
    while (done < len) {
      if (!has_bytes(1)) {
        if (!wait_until(&h_->data_word, deadline, [&] { return is_closed() || has_bytes(1); })) {
          close();
          throw ChannelTimeout(
              "recv timed out in the middle of a streamed message; channel closed");
        }
        if (!has_bytes(1)) return std::nullopt;  // closed mid-message: drop the partial message
      }
      // At most a chunk per consume: the writer refills while we copy the next chunk out.
      const std::uint64_t n = std::min({available(), len - done, chunk_});
      copy_out(read_pos_, dst + done, n);
      consume(n);
      done += n;
    }
    return len;
  }

  // ---- messages handed over by reference (in-process rings) --------------------------------
  //
  // A big message through the ring is copied twice (sender -> ring -> receiver), and the two
  // copies overlap only when both sides have a CPU of their own. In one address space the
  // receiver can copy straight from the sender's buffer instead: the sender puts a 16-byte entry
  // (length | kByReference, ticket) in the ring and waits until the receiver has copied its bytes;
  // one copy, whatever the scheduling. The sender blocks until then, as it would for a message
  // larger than the ring. At most one such message is in flight (send blocks), so its
  // description lives here, in the process-local object both sides share.
  // state = ticket << 2 | phase. The receiver takes a message with a CAS posted -> taken (so a
  // withdrawn or stale entry is recognised by its ticket and skipped); the sender withdraws it on
  // timeout or close with a CAS posted -> withdrawn, and can't while the receiver is copying.
  static constexpr std::uint64_t kByReference = std::uint64_t{1} << 63;
  static constexpr std::optional<std::size_t> kWithdrawn = std::numeric_limits<std::size_t>::max();
  enum Phase : std::uint64_t { kPosted = 0, kTaken = 1, kDone = 2, kWithdrawnPhase = 3 };
  struct Handover {
    std::uint64_t state = 0;  // atomic_ref; ticket << 2 | Phase
    const std::byte* data = nullptr;
    std::uint64_t len = 0;
    std::uint32_t done_word = 0;  // event word (futex.h): the sender sleeps here
    std::uint64_t next_ticket = 1;  // the sender's
  };
  static std::atomic_ref<std::uint64_t> state_of(Handover& h) {
    return std::atomic_ref<std::uint64_t>(h.state);
  }

  void send_by_reference(std::span<const std::byte> msg, Deadline deadline) {
    if (!wait_for_room(2 * kLenBytes, deadline)) throw ChannelTimeout("send timed out: ring full");
    if (is_closed()) throw ChannelClosed("send on a closed channel");
    const std::uint64_t ticket = handover_.next_ticket++;
    handover_.data = msg.data();
    handover_.len = msg.size();
    // release: data and len are written before a receiver can take the message.
    state_of(handover_).store(ticket << 2 | kPosted, std::memory_order_release);
    const std::uint64_t entry[2] = {msg.size() | kByReference, ticket};
    copy_in(write_pos_, reinterpret_cast<const std::byte*>(entry), sizeof entry);
    publish(sizeof entry);
    // Until the receiver has copied the bytes (or we withdraw the message), msg must stay valid.
    const std::uint64_t posted = ticket << 2 | kPosted;
    const std::uint64_t done = ticket << 2 | kDone;
    const auto spin_until = Clock::now() + std::chrono::nanoseconds(kMaxSpinNs);
    for (unsigned i = 1;; ++i) {
      std::uint64_t s = state_of(handover_).load(std::memory_order_acquire);
      if (s == done) return;
      if (s == posted && (is_closed() || deadline.expired())) {
        if (state_of(handover_).compare_exchange_strong(s, ticket << 2 | kWithdrawnPhase,
                                                        std::memory_order_acq_rel)) {
          if (is_closed()) throw ChannelClosed("channel closed before the message was received");
          throw ChannelTimeout("send timed out: the receiver did not take the message");
        }
        continue;  // taken meanwhile: wait for the copy to end
      }
      futex::cpu_relax();
      if ((i & 63) != 0 || Clock::now() < spin_until) continue;
      const std::uint32_t seen = futex::prepare_wait(&handover_.done_word);
      if (state_of(handover_).load(std::memory_order_seq_cst) != s) continue;
      // Posted: sleep until the deadline (close() and the receiver wake us). Taken: the receiver
      // is copying, a wait bounded by one memcpy (its notify wakes us); re-checked every
      // millisecond all the same.
      std::optional<std::chrono::nanoseconds> left = deadline.remaining();
      if (s != posted) left = std::chrono::milliseconds(1);
      futex::wait(&handover_.done_word, seen, false, left);
    }
  }

  // The receiver's side: `len` from the entry at read_pos_. Returns kWithdrawn (entry skipped)
  // when the sender withdrew the message before we could take it.
  std::optional<std::size_t> take_by_reference(std::uint64_t len, const MessageSink& sink) {
    if (shared_) corrupt("a by-reference message in a shared-memory ring");
    if (!has_bytes(2 * kLenBytes)) corrupt("message shorter than its length");
    std::uint64_t ticket = 0;
    copy_out(read_pos_ + kLenBytes, reinterpret_cast<std::byte*>(&ticket), sizeof ticket);
    std::uint64_t expected = ticket << 2 | kPosted;
    if (!state_of(handover_).compare_exchange_strong(expected, ticket << 2 | kTaken,
                                                     std::memory_order_acq_rel)) {
      consume(2 * kLenBytes);  // withdrawn by its sender (timeout or close): nothing to deliver
      return kWithdrawn;
    }
    if (len != handover_.len) corrupt("by-reference message length mismatch");
    std::byte* dst = nullptr;
    try {
      dst = sink(len);
    } catch (...) {
      // A throwing sink loses nothing: the message is posted again, for a later recv.
      state_of(handover_).store(ticket << 2 | kPosted, std::memory_order_release);
      throw;
    }
    if (len != 0) std::memcpy(dst, handover_.data, len);
    consume(2 * kLenBytes);
    // release: our reads of the sender's bytes are done before it may reuse them.
    state_of(handover_).store(ticket << 2 | kDone, std::memory_order_seq_cst);
    futex::notify(&handover_.done_word, false);
    return len;
  }

  std::shared_ptr<void> keepalive_;
  std::chrono::nanoseconds stream_stall_limit_ = kDefaultStreamStallLimit;
  RingHeader* h_;
  std::byte* data_;
  std::uint64_t capacity_;
  std::uint64_t chunk_;  // stream_chunk_bytes(capacity_), the same on both sides
  bool shared_;
  // Process-local state of each side, on its own cache line (no false sharing when the producer
  // and consumer threads share this object).
  alignas(kCacheLineSize) std::uint64_t write_pos_ = 0;  // producer: authoritative position
  std::uint64_t cached_read_pos_ = 0;                    // producer: last seen consumer position
  SpinBudget producer_spin_;
  alignas(kCacheLineSize) Handover handover_;            // both sides (in-process rings only)
  alignas(kCacheLineSize) std::uint64_t read_pos_ = 0;   // consumer: authoritative position
  std::uint64_t cached_write_pos_ = 0;                   // consumer: last seen producer position
  SpinBudget consumer_spin_;
};

}  // namespace interpbench
