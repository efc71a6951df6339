#pragma once
// Prints engine progress to stderr: an updating line on a terminal, a line every 10% otherwise
// (so CI logs stay short). Silent with --quiet.

#include "core/feedback.h"

#include <cstdio>
#include <string>
#include <unistd.h>

namespace qs::cli {

inline void attachProgressPrinter(Feedback& fb, bool quiet) {
    if (quiet) return;
    const bool tty = ::isatty(fileno(stderr));
    fb.setProgressCallback([tty, lastDecile = -1](double f, const std::string& stage) mutable {
        const int pct = int(f * 100.0 + 0.5);
        if (tty) {
            std::fprintf(stderr, "\r%s %3d%%%s", stage.c_str(), pct, f >= 1.0 ? "\n" : "");
        } else if (pct / 10 != lastDecile) {
            lastDecile = pct / 10;
            std::fprintf(stderr, "%s %d%%\n", stage.c_str(), pct);
        }
        std::fflush(stderr);
    });
}

} // namespace qs::cli
