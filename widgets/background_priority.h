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
    // 110). On 2 cores tst_live_editing saw wall-clock stalls over 50 ms in 3 of 9 runs with 5,
    // 1 of 5 with 10.
    static void install(int niceIncrement = 10);
};
