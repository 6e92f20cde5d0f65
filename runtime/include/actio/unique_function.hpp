// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace actio {

template <class Signature>
class unique_function;

/// A move-only `std::function`: holds any callable, including ones that
/// capture move-only state. Small callables (up to three pointers) are stored
/// inline without allocation.
template <class R, class... Args>
class unique_function<R(Args...)> {
public:
  unique_function() noexcept = default;

  unique_function(std::nullptr_t) noexcept {}

  template <class F, class D = std::decay_t<F>,
            class = std::enable_if_t<!std::is_same_v<D, unique_function> &&
                                     std::is_invocable_r_v<R, D&, Args...>>>
  unique_function(F&& f) {
    if constexpr (fits_inline<D>) {
      ::new (static_cast<void*>(&buf_)) D(std::forward<F>(f));
      vt_ = &inline_vtable<D>;
    } else {
      auto* p = new D(std::forward<F>(f));
      ::new (static_cast<void*>(&buf_)) D*(p);
      vt_ = &heap_vtable<D>;
    }
  }

  unique_function(unique_function&& other) noexcept : vt_(other.vt_) {
    if (vt_ != nullptr) {
      vt_->move(&other.buf_, &buf_);
      other.vt_ = nullptr;
    }
  }

  unique_function& operator=(unique_function&& other) noexcept {
    if (this != &other) {
      reset();
      vt_ = other.vt_;
      if (vt_ != nullptr) {
        vt_->move(&other.buf_, &buf_);
        other.vt_ = nullptr;
      }
    }
    return *this;
  }

  unique_function(const unique_function&) = delete;
  unique_function& operator=(const unique_function&) = delete;

  ~unique_function() { reset(); }

  /// Calls the stored callable; undefined when empty.
  R operator()(Args... args) {
    return vt_->call(&buf_, std::forward<Args>(args)...);
  }

  explicit operator bool() const noexcept { return vt_ != nullptr; }

  /// Destroys the stored callable, leaving this empty.
  void reset() noexcept {
    if (vt_ != nullptr) {
      vt_->destroy(&buf_);
      vt_ = nullptr;
    }
  }

private:
  using storage = std::aligned_storage_t<3 * sizeof(void*), alignof(void*)>;

  struct vtable {
    R (*call)(void*, Args&&...);
    void (*move)(void*, void*) noexcept;
    void (*destroy)(void*) noexcept;
  };

  template <class D>
  static constexpr bool fits_inline =
      sizeof(D) <= sizeof(storage) &&
      alignof(D) <= alignof(storage) && std::is_nothrow_move_constructible_v<D>;

  template <class D>
  static constexpr vtable inline_vtable{
      [](void* p, Args&&... args) -> R {
        return (*static_cast<D*>(p))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        ::new (to) D(std::move(*static_cast<D*>(from)));
        static_cast<D*>(from)->~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); }};

  template <class D>
  static constexpr vtable heap_vtable{
      [](void* p, Args&&... args) -> R {
        return (**static_cast<D**>(p))(std::forward<Args>(args)...);
      },
      [](void* from, void* to) noexcept {
        ::new (to) D*(*static_cast<D**>(from));
      },
      [](void* p) noexcept { delete *static_cast<D**>(p); }};

  storage buf_;
  const vtable* vt_ = nullptr;
};

} // namespace actio
