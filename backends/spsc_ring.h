#pragma once
// A lock-free single-producer single-consumer ring of variable-size byte messages, in the style of
// rigtorp/SPSCQueue, that works in any memory: heap (InProcessChannel) or a shared-memory segment
// mapped at different addresses by different processes (ShmChannel).
//
// Layout of a ring region: RingHeader (4 cache lines), then `capacity` data bytes (a power of
// two). The header is trivial, holds no pointers (positions are byte counts since creation, taken
// modulo the capacity) and is the only thing both sides share. Each message is an entry that
// starts on a pair of cache lines (kEntryAlign): an 8-byte stamp, an 8-byte length, then its bytes
// (which may wrap around the end of the data area), padded to the next pair. When the ring is
// empty, small messages go to the first kHotWindowBytes of each lap (a skip entry ends the lap),
// so that a round trip reuses lines both caches hold. The stamp, stamp_of(entry position), is
// written last: the consumer of a message that fits in one chunk waits on the stamp in the
// entry's own line, never on the producer's position, so a small message moves one cache line
// from producer to consumer (the FastForward / Disruptor-slot idea: a message of up to 48 bytes
// and its "published" flag share a line). Stamps are a bijection of the position keyed per ring
// (stamp_of), so an old lap's stamp, zeroed memory, payload bytes or the entries of an earlier
// ring in reused memory never pass for the next entry by accident.
//
// Messages of at most one chunk (stream_chunk_bytes) are published at once: the reader sees all
// or none. Larger ones are streamed a chunk at a time as room appears, so that the writer's and
// the reader's copies overlap. try_send writes a message only when all of it fits.
// Timeout rule (channel.h): a timeout before the first byte of a message moved leaves the channel
// intact; one in the middle of a streamed message (either side) closes the channel, since the
// other side cannot resynchronise. A reader that sees the channel closed in the middle of a
// streamed message drops the partial message and reports end of stream.
//
// Waiting: spin (spin_policy.h: adaptive budget, full spin for a peer on another CPU), then
// sleep on a futex event word (futex.h) with the deadline as the timeout: the writer on
// space_word, the reader (and select) on data_word. The other side calls futex wake only when a
// sleeper announced itself, so the fast path makes no system call. The measurements behind these
// choices: docs/performance.md, "The ring and the spin, piece by piece".
//
// Robustness against a dead or hostile peer: each side keeps its own position in process-local
// memory and never trusts the shared copy of it; the peer's position and every length read from
// the ring are bounds-checked (a bad one closes the ring and throws ChannelCorrupt). Anyone, e.g.
// a supervisor whose worker died, can close() the ring, which wakes every sleeper.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "backends/channel.h"
#include "core/deadline.h"
#include "backends/futex.h"
#include "backends/spin_policy.h"

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
  std::uint64_t stamp_key;  // drawn at creation: an earlier ring's entries in reused memory never match
  std::uint32_t closed;
  std::uint32_t consumer_takes_views;  // set once by the consumer (ShmChannel::deliver_views)

  // The producer's line: what it writes on every message (the consumer of a one-chunk message
  // reads the entry's stamp instead; select() and streamed messages read write_pos).
  alignas(kCacheLineSize) std::uint64_t write_pos;  // no false sharing with the consumer's line
  std::uint32_t data_word;  // event word: the consumer and select() sleep here

  // The consumer's line.
  alignas(kCacheLineSize) std::uint64_t read_pos;
  std::uint32_t space_word;  // event word: the producer sleeps here while the ring is full

  // Where each side runs: written only when a side moved to another CPU, so this line stays in
  // both caches and the peer's CPU is read at each wait without pulling the peer's line over.
  alignas(kCacheLineSize) std::uint32_t producer_cpu;  // 1 + the CPU the producer last published from; 0: unknown
  std::uint32_t consumer_cpu;  // 1 + the CPU the consumer last consumed on; 0: unknown
};
static_assert(std::is_trivial_v<RingHeader> && std::is_standard_layout_v<RingHeader>,
              "RingHeader lives in shared memory: no constructors, no pointers");
static_assert(sizeof(RingHeader) == 4 * kCacheLineSize);
static_assert(offsetof(RingHeader, write_pos) == kCacheLineSize);
static_assert(offsetof(RingHeader, read_pos) == 2 * kCacheLineSize);
static_assert(offsetof(RingHeader, producer_cpu) == 3 * kCacheLineSize);
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free &&
                  std::atomic_ref<std::uint32_t>::is_always_lock_free,
              "positions must be lock-free to be shared between processes");

// Every entry starts on a pair of cache lines of the data area: a small message's entry is one
// line, and the line after it stays unused. The adjacent-line prefetcher fetches lines in such
// pairs; with 64-byte entries it pulled the next entry's line into the consumer's cache while the
// producer was about to write it, and a round trip through the hot window cost 13-15% more
// (docs/performance.md, "The hot window and two-line entries").
inline constexpr std::uint64_t kEntryAlign = 2 * kCacheLineSize;
inline constexpr std::size_t kMinRingCapacity = kEntryAlign;
inline constexpr std::uint64_t align_entry(std::uint64_t pos) { return (pos + kEntryAlign - 1) & ~(kEntryAlign - 1); }
// The stamp of the entry at `pos` in a ring whose key is `key`: odd-multiplier hashing of the
// position (a bijection on 64 bits) keyed per ring, so that a ring created in memory an earlier
// ring used (the heap reuses blocks) never takes that ring's entries for its own.
inline constexpr std::uint64_t stamp_of(std::uint64_t pos, std::uint64_t key) {
  return ((pos + 1) * 0x9E3779B97F4A7C15ULL) ^ key;
}
// A fresh ring key: a process-wide counter, the clock and the region's address, mixed
// (splitmix64's finalizer).
inline std::uint64_t fresh_stamp_key(const void* region) noexcept {
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t z = counter.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ULL ^
                    static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                    reinterpret_cast<std::uintptr_t>(region);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
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
  // An entry's stamp and length, before its bytes.
  static constexpr std::uint64_t kEntryHeaderBytes = 2 * sizeof(std::uint64_t);
  // What an entry of a message of `len` bytes takes in the ring.
  static constexpr std::uint64_t entry_bytes(std::uint64_t len) { return align_entry(kEntryHeaderBytes + len); }
  // The bytes after a message of `len` bytes up to the next entry's line.
  static constexpr std::uint64_t entry_padding(std::uint64_t len) { return entry_bytes(len) - kEntryHeaderBytes - len; }
  // How long try_recv waits for the rest of a streamed message that has begun. Generous: a
  // writer mid-send is copying, not thinking; a writer that stalls this long is frozen or dead
  // without a supervisor to close the ring (or the header is hostile), and then try_recv must
  // not block forever.
  static constexpr std::chrono::seconds kDefaultStreamStallLimit{30};
  // Chunk of a streamed message: small enough that the peer sees progress every few
  // microseconds (its spin keeps going, see wait_until), large enough that publishing is rare.
  static constexpr std::uint64_t kStreamChunkBytes = 64 * 1024;
  // Small messages sent to an empty ring go to the first kHotWindowBytes of each lap
  // (rewind_if_due): a round trip then reuses a few lines that both caches hold, instead of
  // walking a 1 MiB ring's 16384 lines, each a miss (docs/performance.md, "The hot window and
  // two-line entries").
  static constexpr std::uint64_t kHotWindowBytes = 2048;
  // Entries of at most this many bytes go to the window: four or more fit in it, so skips are
  // at most one entry in four.
  static constexpr std::uint64_t kHotEntryMaxBytes = kHotWindowBytes / 4;
  // While the ring holds something, one rewind check in this many reads the consumer's position.
  static constexpr unsigned kRewindRecheck = 8;
  // Each side notes its CPU for the other's spin policy (spin_policy.h) at its first whole
  // message and then at one in this many: without a sched_getcpu on every publish and consume,
  // a Python send + recv pair took 0.85-0.91x as long (BM_PySendRecvSameThread/8, two batches of
  // 12 interleaved pairs), and a thread changes CPU far less often.
  // References and streamed chunks note it every time: a hand-over's sender spins or sleeps by
  // it, and next to such a copy the call costs nothing.
  static constexpr unsigned kCpuNoteEvery = 16;

  // `region` holds ring_region_bytes(capacity) bytes aligned to a cache line. kCreate writes a
  // fresh header; kAttach checks the existing one (throws ChannelCorrupt when it does not match).
  // `shared`: the region is shared between processes (the futex scope: no FUTEX_PRIVATE_FLAG).
  // `keepalive` owns the memory (heap block or mapped segment), if the caller wants it tied here.
  SpscRing(void* region, std::size_t capacity, bool shared, RingInit init,
           std::shared_ptr<void> keepalive = {})
      : keepalive_(std::move(keepalive)),
        h_(static_cast<RingHeader*>(region)),
        data_(static_cast<std::byte*>(region) + sizeof(RingHeader)),
        capacity_(capacity),
        chunk_(stream_chunk_bytes(capacity)),
        futex_shared_(shared) {
    if (capacity != ring_capacity(capacity)) {
      throw std::invalid_argument("ring capacity must be a power of two >= 128");
    }
    if (reinterpret_cast<std::uintptr_t>(region) % kCacheLineSize != 0) {
      throw std::invalid_argument("ring region must be cache-line aligned");
    }
    if (init == RingInit::kCreate) {
      std::memset(static_cast<void*>(h_), 0, sizeof(RingHeader));
      h_->capacity_bytes = capacity;
      h_->stamp_key = fresh_stamp_key(region);
      // Publishes the initialised header (and capacity) before the magic that attachers check.
      std::atomic_ref<std::uint64_t>(h_->magic).store(RingHeader::kMagic, std::memory_order_release);
    } else {
      if (std::atomic_ref<std::uint64_t>(h_->magic).load(std::memory_order_acquire) !=
              RingHeader::kMagic ||
          h_->capacity_bytes != capacity) {
        throw ChannelCorrupt("ring header does not match: not an interpbench ring of this size");
      }
    }
    key_ = h_->stamp_key;
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

  // Links the two rings of one driver-worker pair (each ring's consumer produces on the other).
  // A consumer waiting on this ring then sees the peer consuming the other ring as progress, and
  // keeps spinning: the reply to a big request comes once the peer has read it, and a sleep
  // would add a cross-CPU wake-up to every such round trip (docs/performance.md, "Big messages").
  static void pair_with(SpscRing& a, SpscRing& b) noexcept {
    a.reverse_keepalive_ = b.keepalive_;
    a.reverse_h_ = b.h_;
    b.reverse_keepalive_ = a.keepalive_;
    b.reverse_h_ = a.h_;
  }

  // ---- producer ----------------------------------------------------------------------------

  void send(std::span<const std::byte> msg, Deadline deadline) override {
    if (is_closed()) throw ChannelClosed("send on a closed channel");
    if (!streamed(msg.size())) {
      if (!wait_for_room(entry_bytes(msg.size()), deadline)) throw ChannelTimeout("send timed out: ring full");
      if (is_closed()) throw ChannelClosed("send on a closed channel");
      put_message(msg);
      return;
    }
    // Streamed, chunk by chunk as room appears. Until the first byte is published, a timeout is
    // harmless.
    if (!wait_for_room(kEntryHeaderBytes + chunk_, deadline)) throw ChannelTimeout("send timed out: ring full");
    if (is_closed()) throw ChannelClosed("send on a closed channel");
    put_header(msg.size());
    publish(kEntryHeaderBytes);
    // The last chunk publishes the padding to the next line with it (the consumer skips it).
    const std::uint64_t pad = entry_padding(msg.size());
    std::size_t done = 0;
    while (done < msg.size()) {
      const std::uint64_t left = msg.size() - done;
      if (!wait_for_room(std::min(left, chunk_) + (left <= chunk_ ? pad : 0), deadline)) {
        close();
        throw ChannelTimeout("send timed out in the middle of a streamed message; channel closed");
      }
      if (is_closed()) throw ChannelClosed("channel closed in the middle of a message");
      // At most a chunk per publish: the reader starts copying it out while we copy the next in.
      const std::uint64_t n = std::min({left, room(), chunk_});
      copy_in(write_pos_, msg.data() + done, n);
      done += n;
      publish(n + (done == msg.size() ? pad : 0));
    }
  }

  TryResult try_send(std::span<const std::byte> msg) override {
    if (is_closed()) return TryResult::kClosed;
    const std::uint64_t total = entry_bytes(msg.size());
    // A message larger than the ring can only be streamed, which blocks: use send().
    if (total > capacity_ || !has_room(total)) return TryResult::kWouldBlock;
    put_message(msg);
    return TryResult::kDone;
  }

  // ---- consumer ----------------------------------------------------------------------------

  std::optional<std::size_t> recv_into(const MessageSink& sink, Deadline deadline) override {
    for (;;) {
      if (!wait_until(&h_->data_word, deadline, [&] { return is_closed() || entry_ready(); })) {
        throw ChannelTimeout("recv timed out");
      }
      std::uint64_t n = entry_ready() ? take_whole(sink) : kNotWhole;
      if (n == kNotWhole) n = take_message(sink, &deadline);
      if (n == kEndOfStream) return std::nullopt;
      if (n != kSkippedEntry) return n;
    }
  }

  TryResult try_recv_into(const MessageSink& sink) override {
    // closed is read before the positions: whatever was sent before close() is then visible.
    for (;;) {
      const bool closed = is_closed();
      if (!entry_ready()) return closed ? TryResult::kClosed : TryResult::kWouldBlock;
      // A streamed message that has begun is received to its end; the writer is in the middle of
      // send(), and close() (by it, by a timeout, or by a supervisor) ends the wait. A writer
      // that stalls past the limit makes this throw ChannelTimeout and close the ring (what is
      // left of the message can't be told from the next one). No deadline here: take_message
      // sets the limit's at its first wait, so a message already in the ring reads no clock.
      std::uint64_t n = take_whole(sink);
      if (n == kNotWhole) n = take_message(sink, nullptr);
      if (n == kEndOfStream) return TryResult::kClosed;
      if (n != kSkippedEntry) return TryResult::kDone;
    }
  }

  // ---- either side, or a supervisor --------------------------------------------------------

  void close() noexcept override {
    std::atomic_ref<std::uint32_t>(h_->closed).store(1, std::memory_order_seq_cst);
    // Unconditional wake-ups: close is rare, and must reach sleepers whatever state flags are in.
    futex::notify_all(&h_->data_word, futex_shared_);
    futex::notify_all(&h_->space_word, futex_shared_);
  }

  bool is_closed() const noexcept override {
    return std::atomic_ref<std::uint32_t>(h_->closed).load(std::memory_order_seq_cst) != 0;
  }

  // Reads only shared state, so any thread may ask (select runs beside the consumer). The
  // consumer's position runs ahead of the published producer position for a moment when it took
  // a skip entry (or a streamed message's header) by its stamp: nothing to read then.
  bool readable() const noexcept override {
    return is_closed() || pos(h_->write_pos).load(std::memory_order_seq_cst) >
                              pos(h_->read_pos).load(std::memory_order_seq_cst);
  }

  WaitWord recv_wait_word() const noexcept override { return {&h_->data_word, futex_shared_}; }

 protected:
  // ---- entries whose bytes live elsewhere (InProcessChannel's hand-over by reference) -------
  // A reference entry, (length | kReferenceBit, token), stands for a message the consumer copies
  // from elsewhere; the ring only orders it among the others and hands it to take_reference().
  static constexpr std::uint64_t kReferenceBit = std::uint64_t{1} << 63;
  // A skip entry, (bytes | kSkipBit): the rest of the lap is unused, the next entry starts the
  // next lap (rewind_if_due).
  static constexpr std::uint64_t kSkipBit = std::uint64_t{1} << 62;
  static constexpr std::uint64_t kReferenceEntryBytes = align_entry(kEntryHeaderBytes + sizeof(std::uint64_t));  // header + the token
  // What take_whole, take_message and take_reference return instead of a length (lengths are
  // below kMaxMessageBytes). Plain integers: a std::optional argument or result of these calls
  // cost a store-forwarding stall each (a flag byte stored, then read back in a wider load).
  static constexpr std::uint64_t kEndOfStream = std::numeric_limits<std::uint64_t>::max();
  static constexpr std::uint64_t kSkippedEntry = kEndOfStream - 1;  // nothing delivered: next entry
  static constexpr std::uint64_t kNotWhole = kEndOfStream - 2;      // take_whole: take_message's

  // Producer: after wait_for_room(kReferenceEntryBytes).
  void put_reference(std::uint64_t len, std::uint64_t token) {
    rewind_if_due(kReferenceEntryBytes);
    copy_in(write_pos_ + kEntryHeaderBytes, reinterpret_cast<const std::byte*>(&token), sizeof token);
    put_header(len | kReferenceBit);
    publish(kReferenceEntryBytes);
  }
  // Consumer: a reference entry is next. Delivers its message to `sink` and returns its size, or
  // returns kSkippedEntry; calls drop_reference() either way, unless the sink throws (the entry
  // stays). A ring that carries none (shared memory) treats one as corruption.
  virtual std::uint64_t take_reference(std::uint64_t /*len*/, std::uint64_t /*token*/,
                                       const MessageSink& /*sink*/) {
    corrupt("a by-reference message in a ring that carries none");
  }
  void drop_reference() { consume(kReferenceEntryBytes); }
  // True when the consumer was last seen on another CPU: a producer's spin can't slow it down.
  bool consumer_elsewhere() noexcept { return peer_on_other_cpu(h_->consumer_cpu); }
  // The consumer's announcement that it reads views (big messages left in a pool).
  void announce_views() noexcept {
    std::atomic_ref<std::uint32_t> f(h_->consumer_takes_views);
    if (f.load(std::memory_order_relaxed) == 0) f.store(1, std::memory_order_relaxed);
  }
  bool consumer_takes_views() const noexcept {
    return std::atomic_ref<std::uint32_t>(h_->consumer_takes_views).load(std::memory_order_relaxed) != 0;
  }

  bool wait_for_room(std::uint64_t need, Deadline deadline) {
    return wait_until(&h_->space_word, deadline, [&] { return is_closed() || has_room(need); });
  }

  [[noreturn]] void corrupt(const char* what) {
    close();
    throw ChannelCorrupt(std::string("corrupted ring: ") + what + "; channel closed");
  }

 private:
  using Budget = SpinBudget<kRingSpin>;

  static std::atomic_ref<std::uint64_t> pos(std::uint64_t& p) {
    return std::atomic_ref<std::uint64_t>(p);
  }

  // Spins (spin_policy.h), then sleeps on `word` until done() or the deadline. False: timed out.
  // The spin starts again while the peer's position moves (a peer copying a streamed message).
  template <class Done>
  bool wait_until(std::uint32_t* word, Deadline deadline, Done done) {
    if (done()) return true;
    // A deadline that has passed is seen at the spin's first clock read (its 64th poll), not
    // here: a clock read on every wait costs a round trip 24 ns a side.
    // data_word is waited on by the consumer only, space_word by the producer only.
    const bool consumer = word == &h_->data_word;
    Budget& budget = consumer ? consumer_spin_ : producer_spin_;
    // The peer's position, and for a consumer the peer reading our request (the other ring's
    // consumer position). Both are read first at the spin's first progress check (its 64th poll),
    // not here: their lines are the peer's, and a round trip's wait usually ends sooner. Read
    // here, the peer reading our request cost 8 B round trips 30 ns; the peer's position cost
    // the peer's next publish (a seq_cst store) the time to take its line back from us.
    std::uint64_t& peer = consumer ? h_->write_pos : h_->read_pos;
    std::uint64_t* peer_reading = consumer && reverse_h_ ? &reverse_h_->read_pos : nullptr;
    std::optional<std::uint64_t> peer_seen, reading_seen;
    // Our spin can't keep a peer on another CPU from running: spin in full, learn nothing from a
    // miss. Only a peer on our CPU (or of unknown CPU) gets the adaptive budget.
    const bool elsewhere = peer_on_other_cpu(consumer ? h_->producer_cpu : h_->consumer_cpu);
    const auto progressed = [&] {
      const std::uint64_t p = pos(peer).load(std::memory_order_relaxed);
      const std::uint64_t r = peer_reading ? pos(*peer_reading).load(std::memory_order_relaxed) : 0;
      const bool moved = (peer_seen && p != *peer_seen) || (reading_seen && r != *reading_seen);
      peer_seen = p;
      reading_seen = r;
      return moved;
    };
    if (spin_until(done, progressed, elsewhere ? Budget::kMax : budget.next(), deadline.when())) {
      budget.caught();
      return true;
    }
    if (!elsewhere) budget.missed();
    for (;;) {
      const std::uint32_t seen = futex::prepare_wait(word);
      // The consumer's condition reads an entry's stamp, written (release) before the producer's
      // seq_cst store of write_pos that precedes its notify's check of our waiter bit: reading
      // write_pos (seq_cst) here synchronizes with that store, so a stamp published before the
      // producer missed our bit is visible to the re-check below.
      if (consumer) (void)pos(h_->write_pos).load(std::memory_order_seq_cst);
      if (done()) return true;  // re-check after announcing ourselves: no lost wake-up
      const auto left = deadline.remaining();
      if (left && left->count() == 0) return false;
      futex::wait(word, seen, futex_shared_, left);
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

  // n bytes, sizeof(Word) <= n <= 2 * sizeof(Word), as two word copies that may overlap (the
  // library's way with short copies).
  template <class Word>
  static void copy_two_words(std::byte* dst, const std::byte* src, std::uint64_t n) noexcept {
    Word head, tail;
    std::memcpy(&head, src, sizeof(Word));
    std::memcpy(&tail, src + n - sizeof(Word), sizeof(Word));
    std::memcpy(dst, &head, sizeof(Word));
    std::memcpy(dst + n - sizeof(Word), &tail, sizeof(Word));
  }
  // memcpy, with copies of up to 16 bytes (an entry's length, a small message) made inline: the
  // library's call and size dispatch cost more than such a copy (BM_RingPushPop/8 13-23 ns
  // inline, 19-28 ns through the call).
  static void copy_bytes(std::byte* dst, const std::byte* src, std::uint64_t n) noexcept {
    if (n > 16) {
      std::memcpy(dst, src, n);
    } else if (n >= 8) {
      copy_two_words<std::uint64_t>(dst, src, n);
    } else if (n >= 4) {
      copy_two_words<std::uint32_t>(dst, src, n);
    } else {
      for (std::uint64_t i = 0; i < n; ++i) dst[i] = src[i];
    }
  }
  void copy_in(std::uint64_t at, const std::byte* src, std::uint64_t n) noexcept {
    const std::uint64_t off = at & (capacity_ - 1);
    const std::uint64_t first = std::min(n, capacity_ - off);
    if (n == 0) return;  // an empty message's span may hold a null pointer
    copy_bytes(data_ + off, src, first);
    if (n > first) std::memcpy(data_, src + first, n - first);
  }
  // Before a message whose entry takes `need` bytes, at most kHotEntryMaxBytes: past the window,
  // in an empty ring, a skip entry to the next lap's start. The skip is published with the entry
  // that follows it (one write_pos store); a consumer that sees the skip's stamp first moves to
  // the lap's start and waits there. Whether the ring is empty is the consumer's position, a line
  // it writes on every message: read at the first check past the window, then one check in
  // kRewindRecheck. Bigger messages go on round the ring: a 64 KiB message rewritten into the
  // lines the consumer had just read took twice as long as one written into lines that had left
  // its cache, and a stream of 1 KiB messages skipped every second entry, 20-30% slower. A ring
  // that rewound whenever the rest of the lap fitted (not only when empty) made the thread row's
  // stream of 64 KiB objects, 24-byte markers through the ring, 1.7-3x slower.
  void rewind_if_due(std::uint64_t need) {
    const std::uint64_t off = write_pos_ & (capacity_ - 1);
    if (off < kHotWindowBytes || need > kHotEntryMaxBytes || capacity_ < 4 * kHotWindowBytes) return;
    // Only an empty ring rewinds (a round trip's is, at every send; a stream's seldom is). The
    // first check after a rewind reads the consumer's position at once; while the ring holds
    // something, one check in kRewindRecheck does.
    if (room() < capacity_ && (rewind_checks_++ % kRewindRecheck != 0 || !has_room(capacity_)))
      return;
    rewind_checks_ = 0;
    const std::uint64_t skip = capacity_ - off;
    put_header(skip | kSkipBit);
    write_pos_ += skip;
  }
  // The entry at write_pos_: its length, then its stamp (release: the length, and the bytes
  // written before, are visible to a consumer that sees the stamp). The header never wraps: an
  // entry starts on a line, and a line never straddles the end of the data area.
  void put_header(std::uint64_t len_field) noexcept {
    const std::uint64_t off = write_pos_ & (capacity_ - 1);
    std::memcpy(data_ + off + kLenBytes, &len_field, kLenBytes);
    std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(data_ + off))
        .store(stamp_of(write_pos_, key_), std::memory_order_release);
  }
  void put_message(std::span<const std::byte> msg) {
    rewind_if_due(entry_bytes(msg.size()));
    copy_in(write_pos_ + kEntryHeaderBytes, msg.data(), msg.size());
    put_header(msg.size());
    publish(entry_bytes(msg.size()), /*sampled=*/true);
  }
  // `sampled`: a whole message's publish (put_message), which notes our CPU at one in
  // kCpuNoteEvery; every other publish notes it.
  void publish(std::uint64_t n, bool sampled = false) {
    write_pos_ += n;
    // release: the bytes are written before the consumer can see the position move; seq_cst
    // because notify()'s check of the waiter flag must not be ordered before this store.
    pos(h_->write_pos).store(write_pos_, std::memory_order_seq_cst);
    if (!sampled || producer_notes_++ % kCpuNoteEvery == 0) note_cpu(h_->producer_cpu);
    futex::notify(&h_->data_word, futex_shared_);
  }

  // Consumer: bytes available, refreshing the cached producer position only when needed. An
  // entry taken by its stamp may put read_pos_ ahead of the producer position we can see yet
  // (the stamp is written before that position is published): nothing is available then.
  std::uint64_t available() const noexcept {
    return cached_write_pos_ > read_pos_ ? cached_write_pos_ - read_pos_ : 0;
  }
  bool has_bytes(std::uint64_t need) {
    if (available() >= need) return true;
    // acquire (as seq_cst, for prepare_wait): the producer wrote the bytes before this position.
    const std::uint64_t w = pos(h_->write_pos).load(std::memory_order_seq_cst);
    if (w < cached_write_pos_ || (w > read_pos_ && w - read_pos_ > capacity_))
      corrupt("write position out of bounds");
    cached_write_pos_ = w;
    return available() >= need;
  }

  void copy_out(std::uint64_t at, std::byte* dst, std::uint64_t n) const noexcept {
    const std::uint64_t off = at & (capacity_ - 1);
    const std::uint64_t first = std::min(n, capacity_ - off);
    if (n == 0) return;  // the sink of an empty message may return a null pointer
    copy_bytes(dst, data_ + off, first);
    if (n > first) std::memcpy(dst + first, data_, n - first);
  }
  // `sampled`: as publish's, for a whole message taken (take_whole).
  void consume(std::uint64_t n, bool sampled = false) {
    read_pos_ += n;
    // release: our reads of the bytes are done before the producer may overwrite them.
    pos(h_->read_pos).store(read_pos_, std::memory_order_seq_cst);
    if (!sampled || consumer_notes_++ % kCpuNoteEvery == 0) note_cpu(h_->consumer_cpu);
    futex::notify(&h_->space_word, futex_shared_);
  }

  // Consumer: the entry at read_pos_ is published (its stamp is there). Reads only the entry's
  // own line when the message is there: the producer's position stays in the producer's cache.
  bool entry_ready() {
    if ((read_pos_ & (kEntryAlign - 1)) != 0) {
      // Left in the middle of a streamed message: only a timeout that closed the ring does that.
      if (is_closed()) return false;
      corrupt("read position not at an entry");
    }
    const std::uint64_t off = read_pos_ & (capacity_ - 1);
    return std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(data_ + off))
               .load(std::memory_order_acquire) == stamp_of(read_pos_, key_);
  }

  // The common entry, taken inline once its stamp is visible: a message published whole (up to a
  // chunk), neither a skip nor a reference. Returns its length, or kNotWhole for any other entry.
  std::uint64_t take_whole(const MessageSink& sink) {
    std::uint64_t len = 0;
    copy_out(read_pos_ + kLenBytes, reinterpret_cast<std::byte*>(&len), kLenBytes);
    if ((len & (kSkipBit | kReferenceBit)) != 0 || streamed(len)) return kNotWhole;
    std::byte* dst = sink(len);
    copy_out(read_pos_ + kEntryHeaderBytes, dst, len);
    consume(entry_bytes(len), /*sampled=*/true);
    return len;
  }

  // Called once an entry's stamp is visible, or the ring is closed. Returns the message's length,
  // kSkippedEntry, or kEndOfStream. `deadline`: for the rest of a streamed message; nullptr: the
  // stall limit, counted from the first wait.
  std::uint64_t take_message(const MessageSink& sink, const Deadline* deadline) {
    if (!entry_ready()) return kEndOfStream;  // closed and drained
    std::uint64_t len = 0;
    copy_out(read_pos_ + kLenBytes, reinterpret_cast<std::byte*>(&len), kLenBytes);
    if ((len & kSkipBit) != 0 && (len & kReferenceBit) == 0) {
      const std::uint64_t off = read_pos_ & (capacity_ - 1);
      if ((len & ~kSkipBit) != capacity_ - off || off == 0) corrupt("skip entry of a wrong length");
      consume(capacity_ - off);
      return kSkippedEntry;
    }
    if ((len & kReferenceBit) != 0) {
      std::uint64_t token = 0;
      copy_out(read_pos_ + kEntryHeaderBytes, reinterpret_cast<std::byte*>(&token), sizeof token);
      return take_reference(len & ~kReferenceBit, token, sink);
    }
    if (len > kMaxMessageBytes) corrupt("message length out of bounds");
    if (!streamed(len)) return take_whole(sink);  // published at once, stamp last: all there
    // Streamed (or try_send's whole message above a chunk): the bytes come as write_pos moves,
    // and the padding to the next line with the last of them.
    std::byte* dst = sink(len);  // before consuming anything: a throwing sink loses nothing
    consume(kEntryHeaderBytes);
    const std::uint64_t pad = entry_padding(len);
    std::uint64_t done = 0;
    std::optional<Deadline> stall_limit;
    while (done < len) {
      if (!has_bytes(1)) {
        if (!deadline) deadline = &stall_limit.emplace(Deadline::after(stream_stall_limit_));
        if (!wait_until(&h_->data_word, *deadline, [&] { return is_closed() || has_bytes(1); })) {
          close();
          throw ChannelTimeout(
              "recv timed out in the middle of a streamed message; channel closed");
        }
        if (!has_bytes(1)) return kEndOfStream;  // closed mid-message: drop the partial message
      }
      // At most a chunk per consume: the writer refills while we copy the next chunk out.
      const std::uint64_t n = std::min({available(), len - done, chunk_});
      copy_out(read_pos_, dst + done, n);
      done += n;
      if (done == len && available() < n + pad) corrupt("message shorter than its padding");
      consume(n + (done == len ? pad : 0));
    }
    return len;
  }

  std::shared_ptr<void> keepalive_;
  std::chrono::nanoseconds stream_stall_limit_ = kDefaultStreamStallLimit;
  // The ring of the other direction (pair_with), whose consumer is our producer: a consumer of
  // this ring waiting for a reply counts the peer's reading of what we sent as progress.
  std::shared_ptr<void> reverse_keepalive_;
  RingHeader* reverse_h_ = nullptr;
  RingHeader* h_;
  std::byte* data_;
  std::uint64_t capacity_;
  std::uint64_t chunk_;  // stream_chunk_bytes(capacity_), the same on both sides
  bool futex_shared_;
  std::uint64_t key_ = 0;  // the header's stamp_key, read once
  // Process-local state of each side, on its own cache line (no false sharing when the producer
  // and consumer threads share this object).
  alignas(kCacheLineSize) std::uint64_t write_pos_ = 0;  // producer: authoritative position
  std::uint64_t cached_read_pos_ = 0;                    // producer: last seen consumer position
  unsigned rewind_checks_ = 0;                           // producer: rewind_if_due's, for kRewindRecheck
  unsigned producer_notes_ = 0;                          // producer: publishes, for kCpuNoteEvery
  Budget producer_spin_;
  alignas(kCacheLineSize) std::uint64_t read_pos_ = 0;   // consumer: authoritative position
  std::uint64_t cached_write_pos_ = 0;                   // consumer: last seen producer position
  Budget consumer_spin_;
  unsigned consumer_notes_ = 0;                          // consumer: consumes, for kCpuNoteEvery
};

}  // namespace interpbench
