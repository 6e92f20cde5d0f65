// SPDX-License-Identifier: Apache-2.0
#include "actio/detail/slab_alloc.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define ACTIO_SLAB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ACTIO_SLAB_ASAN 1
#endif
#endif

#ifdef ACTIO_SLAB_ASAN
#include <sanitizer/asan_interface.h>
#define ACTIO_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define ACTIO_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ACTIO_POISON(p, n) ((void)(p), (void)(n))
#define ACTIO_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

// Layout: a slab is 64 KB aligned to 64 KB, a header and then blocks of one
// size class; the slab of a block is its address rounded down. A slab
// belongs to one heap for as long as it holds a live block, so a free on
// another thread always finds the right remote list. Each thread's heap has
// per class a current slab (allocated from by bump pointer and free list)
// and a list of other slabs that have free blocks; a slab other than the
// current one that becomes empty goes back to the shared cache (and to the
// system beyond `cache_keep` slabs). Blocks freed on other threads wait on
// the owner's per-class remote list; when its current slab is full, the
// owner takes a class's list whole and hands its blocks out again as they
// are (a timer node freed by the worker that fired it becomes the next
// timer node), and gives every class's back to their slabs only before
// taking a fresh slab, or at trim.
//
// Under AddressSanitizer slabs come from malloc (so that LeakSanitizer scans
// what blocks point to) and free blocks are poisoned but for their link.
namespace actio::detail {

namespace {

constexpr std::size_t slab_size = std::size_t{64} * 1024;
constexpr std::size_t slab_header = 64;
constexpr std::size_t chunk_slabs = 32; // slabs mapped at once (2 MB)
constexpr std::size_t chunk_size = chunk_slabs * slab_size;
// Empty slabs are cached; past `cache_high` (64 MB) the cache is cut to
// `cache_low` in one sorted batch, neighbours unmapped together: each
// munmap flushes the TLBs of every thread of the process.
constexpr std::size_t cache_high = 1024;
constexpr std::size_t cache_low = 512;

// Classes 1..64 step by 16 bytes up to 1024, then by 128 up to 4096.
constexpr std::size_t class_count = 64 + 24 + 1;

constexpr std::size_t class_of(std::size_t n) noexcept {
  if (n <= 1024)
    return n == 0 ? 1 : (n + 15) / 16;
  return 64 + (n - 1024 + 127) / 128;
}

constexpr std::size_t class_size(std::size_t c) noexcept {
  return c <= 64 ? c * 16 : 1024 + (c - 64) * 128;
}

static_assert(class_of(max_slab_block) == class_count - 1);
static_assert(class_size(class_count - 1) == max_slab_block);

struct free_node {
  free_node* next;
};

struct heap;

struct slab {
  heap* owner;
  slab* prev; // in the owner's list of slabs with free blocks
  slab* next;
  free_node* free;
  std::uint32_t block_size;
  std::uint32_t capacity;
  std::uint32_t used; // handed out and not back on `free`
  std::uint32_t bump; // blocks never handed out start here
  std::uint32_t cls;
  bool listed;

  char* blocks() noexcept {
    return reinterpret_cast<char*>(this) + slab_header;
  }
};

static_assert(sizeof(slab) <= slab_header);

slab* slab_of(void* p) noexcept {
  return reinterpret_cast<slab*>(reinterpret_cast<std::uintptr_t>(p) &
                                 ~(std::uintptr_t{slab_size} - 1));
}

struct heap {
  // Remote frees, one list per class; on lines of their own, written by
  // other threads.
  alignas(64) std::atomic<free_node*> remote[class_count] = {};
  alignas(64) slab* current[class_count] = {};
  // Remote frees taken back in one swap and handed out again as they are:
  // still counted as used in their slabs, so reusing one costs no visit to
  // its slab, and taking the list costs no walk through it.
  free_node* recycled[class_count] = {};
  slab* partial[class_count] = {}; // other slabs with free blocks
  std::size_t slab_count = 0;
  // Written by the owning thread only; read by stats.
  std::atomic<std::int64_t> allocs{0};
  std::atomic<std::int64_t> frees{0};

  void count(std::atomic<std::int64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

// -- the shared part: slab cache, heap registry -------------------------------

struct shared_state {
  std::mutex mtx;
  std::vector<slab*> cache;     // empty slabs
  std::vector<heap*> heaps;     // every heap
  std::vector<heap*> abandoned; // heaps of ended threads
  std::int64_t retired_allocs = 0;
  std::int64_t retired_frees = 0;
  std::atomic<std::int64_t> orphan_frees{0}; // by threads past their heap
  std::size_t in_use = 0;
  heap* fallback = nullptr; // for threads past their heap; under fallback_mtx
  std::mutex fallback_mtx;
};

shared_state& shared() {
  // Never destroyed: blocks may be freed by static destructors that run
  // after this translation unit's.
  alignas(shared_state) static unsigned char storage[sizeof(shared_state)];
  static shared_state* s = new (storage) shared_state;
  return *s;
}

#ifndef ACTIO_SLAB_ASAN
/// Maps a chunk of `chunk_slabs` slabs aligned to its size, so that the
/// kernel can back it with one transparent huge page (one page fault
/// instead of 512).
void* map_chunk() {
  void* p = ::mmap(nullptr, 2 * chunk_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return nullptr;
  auto at = reinterpret_cast<std::uintptr_t>(p);
  auto aligned = (at + chunk_size - 1) & ~(std::uintptr_t{chunk_size} - 1);
  if (aligned > at)
    ::munmap(p, aligned - at);
  auto tail = at + 2 * chunk_size - (aligned + chunk_size);
  if (tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + chunk_size), tail);
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(aligned), chunk_size, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(aligned);
}
#endif

void unmap_one(slab* s) noexcept {
#ifdef ACTIO_SLAB_ASAN
  ACTIO_UNPOISON(s, slab_size);
  std::free(s);
#else
  ::munmap(s, slab_size);
#endif
}

/// Returns slabs to the system, neighbours in one call.
void unmap_slabs(std::vector<slab*>& slabs) noexcept {
#ifdef ACTIO_SLAB_ASAN
  for (auto* s : slabs) {
    ACTIO_UNPOISON(s, slab_size);
    std::free(s);
  }
#else
  std::sort(slabs.begin(), slabs.end());
  for (std::size_t i = 0; i < slabs.size();) {
    std::size_t j = i + 1;
    while (j < slabs.size() &&
           reinterpret_cast<char*>(slabs[j]) ==
               reinterpret_cast<char*>(slabs[j - 1]) + slab_size)
      ++j;
    ::munmap(slabs[i], (j - i) * slab_size);
    i = j;
  }
#endif
  slabs.clear();
}

slab* acquire_slab() {
  auto& sh = shared();
  {
    std::lock_guard<std::mutex> guard{sh.mtx};
    ++sh.in_use;
    if (!sh.cache.empty()) {
      auto* s = sh.cache.back();
      sh.cache.pop_back();
      return s;
    }
  }
#ifdef ACTIO_SLAB_ASAN
  constexpr std::size_t n = 1;
  auto* base = static_cast<char*>(std::aligned_alloc(slab_size, slab_size));
#else
  constexpr std::size_t n = chunk_slabs;
  auto* base = static_cast<char*>(map_chunk());
#endif
  if (base == nullptr) {
    std::lock_guard<std::mutex> guard{sh.mtx};
    --sh.in_use;
    throw std::bad_alloc();
  }
  if (n > 1) {
    std::lock_guard<std::mutex> guard{sh.mtx};
    for (std::size_t i = n - 1; i >= 1; --i)
      sh.cache.push_back(reinterpret_cast<slab*>(base + i * slab_size));
  }
  return reinterpret_cast<slab*>(base);
}

void release_slab(slab* s) noexcept {
  auto& sh = shared();
  std::vector<slab*> surplus;
  bool uncached = false;
  {
    std::lock_guard<std::mutex> guard{sh.mtx};
    --sh.in_use;
    try {
      sh.cache.push_back(s);
    } catch (...) {
      uncached = true; // no memory for the cache's array: unmap it
    }
    if (sh.cache.size() > cache_high) {
      // The oldest entries: the newest are the warmest.
      auto cut = sh.cache.size() - cache_low;
      try {
        surplus.assign(sh.cache.begin(),
                       sh.cache.begin() + static_cast<std::ptrdiff_t>(cut));
        sh.cache.erase(sh.cache.begin(),
                       sh.cache.begin() + static_cast<std::ptrdiff_t>(cut));
      } catch (...) {
      }
    }
  }
  if (uncached)
    unmap_one(s);
  unmap_slabs(surplus);
}

// -- one heap (owner thread, or whoever holds it while nobody owns it) --------

void init_slab(slab* s, heap* h, std::size_t c) noexcept {
  s->owner = h;
  s->prev = s->next = nullptr;
  s->free = nullptr;
  s->block_size = static_cast<std::uint32_t>(class_size(c));
  s->capacity =
      static_cast<std::uint32_t>((slab_size - slab_header) / class_size(c));
  s->used = 0;
  s->bump = 0;
  s->cls = static_cast<std::uint32_t>(c);
  s->listed = false;
  ACTIO_POISON(s->blocks(), slab_size - slab_header);
}

void link(heap& h, slab* s) noexcept {
  auto& head = h.partial[s->cls];
  s->prev = nullptr;
  s->next = head;
  if (head != nullptr)
    head->prev = s;
  head = s;
  s->listed = true;
}

void unlink(heap& h, slab* s) noexcept {
  if (s->prev != nullptr)
    s->prev->next = s->next;
  else
    h.partial[s->cls] = s->next;
  if (s->next != nullptr)
    s->next->prev = s->prev;
  s->prev = s->next = nullptr;
  s->listed = false;
}

/// Puts a block back on its slab (owned by `h`), returning a slab that is
/// neither current nor in use any more.
void give_back(heap& h, slab* s, free_node* node) noexcept {
  ACTIO_POISON(reinterpret_cast<char*>(node) + sizeof(free_node),
               s->block_size - sizeof(free_node));
  node->next = s->free;
  s->free = node;
  --s->used;
  if (h.current[s->cls] == s)
    return;
  if (s->used == 0) {
    if (s->listed)
      unlink(h, s);
    --h.slab_count;
    release_slab(s);
  } else if (!s->listed) {
    link(h, s);
  }
}

/// Gives every remotely freed and every recycled block back to its slab.
void drain_remote(heap& h) noexcept {
  for (std::size_t c = 1; c < class_count; ++c) {
    for (auto* node :
         {std::exchange(h.recycled[c], nullptr),
          h.remote[c].exchange(nullptr, std::memory_order_acquire)}) {
      while (node != nullptr) {
        auto* next = node->next;
        give_back(h, slab_of(node), node);
        node = next;
      }
    }
  }
}

/// A block of class `c` freed on another thread, taken back as it is, or
/// null.
void* take_recycled(heap& h, std::size_t c) noexcept {
  auto* node = h.recycled[c];
  if (node == nullptr) {
    if (h.remote[c].load(std::memory_order_relaxed) == nullptr)
      return nullptr;
    node = h.remote[c].exchange(nullptr, std::memory_order_acquire);
    if (node == nullptr)
      return nullptr;
  }
  h.recycled[c] = node->next;
  // The next one is cold (freed on another core): fetch it while the
  // caller fills this one.
  __builtin_prefetch(node->next);
  ACTIO_UNPOISON(node, class_size(c));
  return node;
}

void* take(slab* s) noexcept {
  void* p;
  if (s->free != nullptr) {
    auto* node = s->free;
    ACTIO_UNPOISON(node, s->block_size);
    s->free = node->next;
    p = node;
  } else if (s->bump < s->capacity) {
    p = s->blocks() + std::size_t{s->bump} * s->block_size;
    ACTIO_UNPOISON(p, s->block_size);
    ++s->bump;
  } else {
    return nullptr;
  }
  ++s->used;
  return p;
}

void* heap_allocate_slow(heap& h, std::size_t c) {
  if (auto* p = take_recycled(h, c))
    return p;
  // The current slab is full: it leaves (it rejoins the list when a block
  // comes back); the next one with free blocks takes its place.
  slab* next = h.partial[c];
  if (next == nullptr) {
    // Before taking a fresh slab, give back what other threads freed (of
    // every class), which may refill or empty slabs.
    drain_remote(h);
    if (auto* cur = h.current[c]; cur != nullptr) {
      if (auto* p = take(cur))
        return p;
    }
    next = h.partial[c];
  }
  if (next != nullptr) {
    unlink(h, next);
  } else {
    next = acquire_slab();
    init_slab(next, &h, c);
    ++h.slab_count;
  }
  h.current[c] = next;
  return take(next);
}

void* heap_allocate(heap& h, std::size_t c) {
  void* p = nullptr;
  if (auto* cur = h.current[c]; cur != nullptr)
    p = take(cur);
  if (p == nullptr)
    p = heap_allocate_slow(h, c);
  return p;
}

/// Releases the empty current slabs of `h` (nobody else may use `h`).
void trim_heap(heap& h) noexcept {
  drain_remote(h);
  for (std::size_t c = 1; c < class_count; ++c) {
    auto* s = h.current[c];
    if (s != nullptr && s->used == 0) {
      h.current[c] = nullptr;
      --h.slab_count;
      release_slab(s);
      if (auto* next = h.partial[c]) {
        unlink(h, next);
        h.current[c] = next;
      }
    }
  }
}

// -- the calling thread's heap
// -------------------------------------------------

thread_local heap* tl_heap = nullptr;
thread_local bool tl_heap_gone = false;

struct heap_guard {
  ~heap_guard() {
    auto* h = std::exchange(tl_heap, nullptr);
    tl_heap_gone = true;
    if (h == nullptr)
      return;
    trim_heap(*h);
    auto& sh = shared();
    std::lock_guard<std::mutex> guard{sh.mtx};
    try {
      sh.abandoned.push_back(h);
    } catch (...) {
      // Stays in `heaps`: its slabs are never reused, its blocks still free.
    }
  }
};

heap* make_heap() {
  auto& sh = shared();
  {
    std::lock_guard<std::mutex> guard{sh.mtx};
    if (!sh.abandoned.empty()) {
      auto* h = sh.abandoned.back();
      sh.abandoned.pop_back();
      return h;
    }
  }
  auto* h = new heap;
  std::lock_guard<std::mutex> guard{sh.mtx};
  try {
    sh.heaps.push_back(h);
  } catch (...) {
    delete h;
    throw;
  }
  return h;
}

/// The calling thread's heap, made (or adopted) on first use; null once the
/// thread's heap is gone (its thread-local destructors are running).
heap* my_heap() {
  if (tl_heap != nullptr)
    return tl_heap;
  if (tl_heap_gone)
    return nullptr;
  thread_local heap_guard guard;
  (void)guard;
  tl_heap = make_heap();
  return tl_heap;
}

heap& fallback_heap() {
  auto& sh = shared();
  if (sh.fallback == nullptr) {
    auto* h = new heap;
    std::lock_guard<std::mutex> guard{sh.mtx};
    sh.heaps.push_back(h);
    sh.fallback = h;
  }
  return *sh.fallback;
}

} // namespace

void* allocate_block(std::size_t size) {
  auto* h = my_heap();
  if (h == nullptr) {
    auto& sh = shared();
    std::lock_guard<std::mutex> guard{sh.fallback_mtx};
    auto& fb = fallback_heap();
    fb.count(fb.allocs);
    if (size > max_slab_block)
      return ::operator new(size);
    return heap_allocate(fb, class_of(size));
  }
  if (size > max_slab_block) {
    auto* p = ::operator new(size);
    h->count(h->allocs);
    return p;
  }
  auto* p = heap_allocate(*h, class_of(size));
  h->count(h->allocs);
  return p;
}

void free_block(void* p, std::size_t size) noexcept {
  if (p == nullptr)
    return;
  heap* h = tl_heap;
  if (h == nullptr && !tl_heap_gone) {
    try {
      h = my_heap();
    } catch (...) {
    }
  }
  if (h != nullptr)
    h->count(h->frees);
  else
    shared().orphan_frees.fetch_add(1, std::memory_order_relaxed);
  if (size > max_slab_block) {
    ::operator delete(p); // unsized: clang < 19 lacks the sized one by default
    return;
  }
  auto* s = slab_of(p);
  assert(s->cls == class_of(size));
  auto* node = static_cast<free_node*>(p);
  if (s->owner == h) {
    give_back(*h, s, node);
    return;
  }
  ACTIO_POISON(reinterpret_cast<char*>(node) + sizeof(free_node),
               s->block_size - sizeof(free_node));
  auto& remote = s->owner->remote[s->cls];
  auto* head = remote.load(std::memory_order_relaxed);
  do {
    node->next = head;
  } while (!remote.compare_exchange_weak(head, node, std::memory_order_release,
                                         std::memory_order_relaxed));
}

slab_stats get_slab_stats() noexcept {
  auto& sh = shared();
  slab_stats st;
  std::lock_guard<std::mutex> guard{sh.mtx};
  std::int64_t live = sh.retired_allocs - sh.retired_frees -
                      sh.orphan_frees.load(std::memory_order_relaxed);
  for (auto* h : sh.heaps)
    live += h->allocs.load(std::memory_order_relaxed) -
            h->frees.load(std::memory_order_relaxed);
  st.live_blocks = live;
  st.slabs_in_use = sh.in_use;
  st.slabs_cached = sh.cache.size();
  st.abandoned_heaps = sh.abandoned.size();
  return st;
}

void trim_slabs() noexcept {
  if (auto* h = tl_heap)
    trim_heap(*h);
  auto& sh = shared();
  std::vector<slab*> cached;
  {
    std::lock_guard<std::mutex> guard{sh.fallback_mtx};
    if (sh.fallback != nullptr)
      trim_heap(*sh.fallback);
  }
  std::unique_lock<std::mutex> guard{sh.mtx};
  // Nobody owns an abandoned heap; adoption needs the lock we hold, and
  // trim_heap only takes it again to release slabs, so drop it meanwhile.
  auto orphans = std::move(sh.abandoned);
  sh.abandoned.clear();
  guard.unlock();
  std::vector<heap*> keep;
  std::vector<heap*> gone;
  for (auto* h : orphans) {
    trim_heap(*h);
    (h->slab_count == 0 ? gone : keep).push_back(h);
  }
  guard.lock();
  for (auto* h : keep)
    sh.abandoned.push_back(h);
  for (auto* h : gone) {
    sh.retired_allocs += h->allocs.load(std::memory_order_relaxed);
    sh.retired_frees += h->frees.load(std::memory_order_relaxed);
    sh.heaps.erase(std::find(sh.heaps.begin(), sh.heaps.end(), h));
  }
  cached.swap(sh.cache);
  guard.unlock();
  for (auto* h : gone)
    delete h;
  unmap_slabs(cached);
}

} // namespace actio::detail
