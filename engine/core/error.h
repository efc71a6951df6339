#pragma once
// Errors the engine reports to its callers. Every error that concerns a file names the file, so
// the CLI can print one line and the GUI can show it without a stack trace.
//
//   if (magic != kGguf) throw qs::FileError(path, "not a GGUF file (bad magic)");
//   try { ... } catch (const qs::Error& e) { std::cerr << e.what() << '\n'; }

#include <filesystem>
#include <stdexcept>
#include <string>

namespace qs {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An error about a specific file: what() reads "<path>: <problem>".
class FileError : public Error {
public:
    FileError(const std::filesystem::path& path, const std::string& problem)
        : Error(path.string() + ": " + problem), m_path(path), m_problem(problem) {}
    const std::filesystem::path& path() const { return m_path; }
    const std::string& problem() const { return m_problem; }

private:
    std::filesystem::path m_path;
    std::string m_problem;
};

// Thrown by Feedback::throwIfCanceled() when the user or a newer request cancels work.
class Canceled : public Error {
public:
    Canceled() : Error("canceled") {}
};

} // namespace qs
