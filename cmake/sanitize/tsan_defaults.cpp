// SPDX-License-Identifier: Apache-2.0
// Compiled into actio's own programs and tests only when they are built with
// ThreadSanitizer (ACTIO_SANITIZE=thread): every run sees the same options
// without TSAN_OPTIONS (ctest, child processes a test starts, a shell).
// There are no suppressions: CAF must be instrumented too
// (scripts/caf_tsan.sh), or the synchronization inside Debian's libcaf
// (reference counts, mailboxes, scheduler queues) is invisible and
// thousands of false reports follow (docs/reliability.md).

extern "C" const char* __tsan_default_options();

extern "C" const char* __tsan_default_options() {
  // Every report is printed; one or more fail the run at exit (66). Both
  // stacks of a lock-order inversion are shown.
  return "second_deadlock_stack=1:exitcode=66";
}
