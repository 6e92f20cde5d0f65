// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <utility>

// A fixed-capacity ring that any number of threads push to and pop from
// without locks; users include actio/sync/queue.hpp.
namespace actio::detail {

/// A bounded multi-producer, multi-consumer FIFO ring (the sequence-numbered
/// cells of Dmitry Vyukov's bounded queue): each cell carries the position
/// it may next be written or read at, so a push and a pop each claim a
/// position with one compare-and-swap and publish with one release store.
/// Pushes that claimed positions in order are popped in that order; a push
/// onto a full ring and a pop from an empty one fail at once, never wait.
template <class T>
class mpmc_ring {
public:
  /// A ring of at least `min_capacity` cells (rounded up to a power of two).
  explicit mpmc_ring(std::size_t min_capacity)
      : capacity_(round_up(min_capacity)), mask_(capacity_ - 1),
        cells_(new cell[capacity_]) {
    for (std::size_t i = 0; i < capacity_; ++i)
      cells_[i].seq.store(i, std::memory_order_relaxed);
  }

  mpmc_ring(const mpmc_ring&) = delete;
  mpmc_ring& operator=(const mpmc_ring&) = delete;

  /// Destroys the items still in the ring; no other thread may use it.
  ~mpmc_ring() {
    while (try_pop())
      ;
  }

  /// Moves `v` in and returns true, or returns false (leaving `v` alone)
  /// if the ring is full.
  bool try_push(T& v) {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos & mask_];
      std::size_t seq = c.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq - pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1,
                                        std::memory_order_relaxed)) {
          ::new (static_cast<void*>(c.storage)) T(std::move(v));
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  /// Takes the oldest item, or nothing if the ring is empty.
  std::optional<T> try_pop() {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos & mask_];
      std::size_t seq = c.seq.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq - (pos + 1));
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1,
                                        std::memory_order_relaxed)) {
          T* item = std::launder(reinterpret_cast<T*>(c.storage));
          std::optional<T> out{std::move(*item)};
          item->~T();
          c.seq.store(pos + capacity_, std::memory_order_release);
          return out;
        }
      } else if (diff < 0) {
        return std::nullopt;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  /// How many cells the ring has.
  std::size_t capacity() const noexcept { return capacity_; }

private:
  struct cell {
    std::atomic<std::size_t> seq;
    alignas(T) unsigned char storage[sizeof(T)];
  };

  static std::size_t round_up(std::size_t n) noexcept {
    std::size_t c = 2;
    while (c < n)
      c <<= 1;
    return c;
  }

  // Producers and consumers write different counters: keep them apart.
  alignas(64) std::atomic<std::size_t> tail_{0};
  alignas(64) std::atomic<std::size_t> head_{0};
  alignas(64) const std::size_t capacity_;
  const std::size_t mask_;
  std::unique_ptr<cell[]> cells_;
};

} // namespace actio::detail
