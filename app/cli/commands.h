#pragma once
// The subcommands of quantscope-cli. Each takes the arguments after its name, writes results to
// stdout (text or --json), progress to stderr, and returns the exit code. Errors are thrown
// (qs::Error, UsageError) and reported by main() as one line.

namespace qs::cli {

int runInfo(int argc, char** argv);
int runTokenize(int argc, char** argv);
int runEval(int argc, char** argv);
int runGenerate(int argc, char** argv);
int runSynth(int argc, char** argv);
int runFormats(int argc, char** argv);
int runAnalyze(int argc, char** argv);
int runSweep(int argc, char** argv);
int runExport(int argc, char** argv);
int runImatrix(int argc, char** argv);
int runCompare(int argc, char** argv);
int runPlugins(int argc, char** argv);
int runReport(int argc, char** argv); // only when built with the GUI libraries

} // namespace qs::cli
