// SPDX-License-Identifier: Apache-2.0
#pragma once

// The check of actio-crawl's numeric options: a message that says what is
// wrong with the value ("'abc' is not a number", "0 is out of range") and
// what to give, instead of CLI11's ranges printed with DBL_MAX.

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>

/// The largest value of the non-negative numbers of `T`.
template <class T>
constexpr std::uint64_t
    largest = static_cast<std::uint64_t>(std::numeric_limits<T>::max());

/// A CLI11 check accepting the decimal whole numbers from `min` to `max`
/// (default: the largest value of `T`, the option's type, so that its
/// conversion cannot fail after the check).
template <class T>
CLI::Validator whole_number(std::uint64_t min, std::uint64_t max = largest<T>) {
  // A limit of a 64-bit type is no limit anyone means: not shown.
  bool bounded = max <= largest<std::uint32_t>;
  std::string wanted =
      bounded ? "a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max)
              : "a whole number of at least " + std::to_string(min);
  std::string shown =
      bounded ? "in [" + std::to_string(min) + " - " + std::to_string(max) + "]"
              : ">= " + std::to_string(min);
  return CLI::Validator(
      [min, max, wanted](std::string& text) -> std::string {
        const char* begin = text.data();
        const char* end = begin + text.size();
        bool negative = !text.empty() && text.front() == '-';
        std::uint64_t value = 0;
        auto [at, ec] = std::from_chars(begin + (negative ? 1 : 0), end, value);
        if (text.empty() || at != end ||
            (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
          double x = 0;
          auto [x_at, x_ec] = std::from_chars(begin, end, x);
          bool number = !text.empty() && x_at == end && x_ec == std::errc{};
          return "'" + text + "' is not a " +
                 (number ? "whole number" : "number") + ": give " + wanted;
        }
        if (negative && value != 0)
          return text + " is out of range: give " + wanted;
        if (ec == std::errc::result_out_of_range || value > max)
          return text + " is too large: give " + wanted;
        if (value < min)
          return text + " is out of range: give " + wanted;
        return {};
      },
      shown);
}
