#pragma once
// Lowers the CPU priority of every thread that does engine work, so the GUI thread wins the
// cores whenever it has something to do: with two cores and two compute threads, an evaluation
// at equal priority would otherwise delay input handling by whole scheduler time slices.
//
//   int main(...) { QApplication app(...); BackgroundPriority::install(); ... }

class BackgroundPriority {
public:
    // Idempotent. Every thread other than the process's main thread that enters oneTBB (its
    // workers, the evaluation scheduler, thread-pool jobs) gets `niceIncrement` added once.
    // 10 gives a waking GUI thread ~10x the CPU share of a compute thread (CFS weights 1024 vs
    // 110, against 335 at 5). On 2 cores it did not measurably shorten tst_live_editing's
    // wall-clock stalls (over 50 ms in 3 of 9 runs at 5, 3 of 10 at 10): they were the GUI
    // thread's own bursts of work, which makeChartView()'s deferred repaints cut to 15-19 ms.
    static void install(int niceIncrement = 10);
};
