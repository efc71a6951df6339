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
    static void install(int niceIncrement = 5);
};
