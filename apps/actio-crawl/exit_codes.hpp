// SPDX-License-Identifier: Apache-2.0
#pragma once

// actio-crawl's exit codes, shared by every stage and by the multi-node
// mode; `exit_codes_text` is the --help footer that explains them.

/// The crawl completed, whatever statuses its pages returned.
inline constexpr int exit_ok = 0;
/// A file, the demo server or the cluster failed; nothing was lost.
inline constexpr int exit_fatal = 1;
/// Bad arguments, clashing files or a --state holding another crawl.
inline constexpr int exit_usage = 2;
/// SIGINT or SIGTERM: finished pages were saved.
inline constexpr int exit_interrupted = 130;

/// The exit codes as the --help footer lists them.
inline constexpr const char* exit_codes_text =
    "Exit codes:\n"
    "  0    the crawl completed (whatever statuses the pages returned)\n"
    "  1    fatal error: output or state file unwritable or unreadable, in "
    "use by\n"
    "       another process, or not a crawl's file (left untouched); demo "
    "server\n"
    "       failed or its port (a resumed demo crawl's) taken; --listen "
    "cannot bind,\n"
    "       --join found no coordinator, a worker lost its coordinator and it "
    "did\n"
    "       not come back within --coordinator-wait, a restarted coordinator "
    "refused\n"
    "       it\n"
    "  2    bad arguments, --out and --state one file, or a --state holding "
    "another\n"
    "       crawl (other start URLs, domains or depth limit)\n"
    "  130  interrupted (SIGINT/SIGTERM): finished pages were saved; rerun "
    "with the\n"
    "       same --state and --out to continue\n";
