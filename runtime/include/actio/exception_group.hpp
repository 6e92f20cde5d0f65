// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace actio {

/// Several errors raised together (asyncio's ExceptionGroup): what a
/// `task_group` fails with, and `gather(all_errors, ...)`. It holds every
/// error in the order they were collected; `what()` is the message followed
/// by the count, as Python prints it.
class exception_group : public std::runtime_error {
public:
  /// Groups `errors` under `message`; throws `std::invalid_argument` if
  /// `errors` is empty or holds a null pointer.
  exception_group(std::string message, std::vector<std::exception_ptr> errors)
      : std::runtime_error(describe(message, errors)),
        message_(std::move(message)), errors_(std::move(errors)) {}

  /// The message without the count.
  const std::string& message() const noexcept { return message_; }

  /// Every error of the group, nested groups as they are.
  const std::vector<std::exception_ptr>& exceptions() const noexcept {
    return errors_;
  }

  /// How many errors the group holds directly.
  std::size_t size() const noexcept { return errors_.size(); }

  /// The errors of type `E` (or derived from it), looking through nested
  /// groups, in order (asyncio's `subgroup`, flattened).
  template <class E>
  std::vector<std::exception_ptr> matching() const {
    std::vector<std::exception_ptr> out;
    collect<E>(out);
    return out;
  }

  /// Whether any error, nested groups included, is an `E`.
  template <class E>
  bool contains() const {
    return !matching<E>().empty();
  }

private:
  static std::string describe(const std::string& message,
                              const std::vector<std::exception_ptr>& errors) {
    if (errors.empty())
      throw std::invalid_argument("exception_group: no errors to group");
    for (auto& e : errors)
      if (!e)
        throw std::invalid_argument("exception_group: a null error");
    return message + " (" + std::to_string(errors.size()) + " sub-exception" +
           (errors.size() == 1 ? "" : "s") + ")";
  }

  template <class E>
  void collect(std::vector<std::exception_ptr>& out) const {
    for (auto& e : errors_) {
      if constexpr (!std::is_same_v<E, exception_group>) {
        try {
          std::rethrow_exception(e);
        } catch (const exception_group& nested) {
          nested.collect<E>(out);
          continue;
        } catch (...) {
        }
      }
      try {
        std::rethrow_exception(e);
      } catch (const E&) {
        out.push_back(e);
      } catch (...) {
      }
    }
  }

  std::string message_;
  std::vector<std::exception_ptr> errors_;
};

} // namespace actio
