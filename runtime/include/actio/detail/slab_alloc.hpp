// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

// actio's allocator for the small blocks every task needs (its actor, its
// coroutine frames, future states, timer entries, done callbacks): a
// size-classed free list per thread, carved from 64 KB slabs. Freeing on
// the allocating thread is a push onto a list; freeing on any other thread
// pushes onto the owning heap's lock-free remote list, which the owner
// takes back when it next runs short. A thread that ends leaves its heap
// (and its slabs with live blocks) for the next thread to adopt.
namespace actio::detail {

/// The largest block served from slabs; larger ones go to operator new.
inline constexpr std::size_t max_slab_block = 4096;

/// Allocates `size` bytes aligned to `alignof(std::max_align_t)` from the
/// calling thread's heap; throws std::bad_alloc when out of memory.
void* allocate_block(std::size_t size);

/// Frees a block from `allocate_block(size)`; any thread, exactly once.
void free_block(void* p, std::size_t size) noexcept;

/// Counts of the allocator's state, summed over all threads.
struct slab_stats {
  /// Blocks allocated and not yet freed (slab and larger ones).
  std::int64_t live_blocks = 0;
  /// Slabs owned by some thread's heap.
  std::size_t slabs_in_use = 0;
  /// Empty slabs kept for reuse, not returned to the system.
  std::size_t slabs_cached = 0;
  /// Heaps of ended threads waiting to be adopted.
  std::size_t abandoned_heaps = 0;
};

/// A snapshot of the allocator's counts (exact once other threads are quiet).
slab_stats get_slab_stats() noexcept;

/// Returns every empty slab (of the calling thread, of ended threads and
/// the shared cache) to the system and frees heaps left empty by ended
/// threads; the runtime calls it when it closes.
void trim_slabs() noexcept;

/// A base that makes `new` and `delete` of a derived class go through
/// `allocate_block` (the deleting destructor passes the dynamic size).
struct slab_allocated {
  static void* operator new(std::size_t size) { return allocate_block(size); }

  static void operator delete(void* p, std::size_t size) noexcept {
    free_block(p, size);
  }

  static void* operator new(std::size_t size, std::align_val_t align) {
    return ::operator new(size, align);
  }

  // The unsized global delete: clang before 19 declares the sized ones only
  // with -fsized-deallocation, and the size is not needed to free.
  static void operator delete(void* p, std::size_t,
                              std::align_val_t align) noexcept {
    ::operator delete(p, align);
  }
};

} // namespace actio::detail
