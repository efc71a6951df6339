#pragma once
// A thin RAII layer over the HDF5 C API for the session file: handles that close themselves,
// and typed read/write of attributes and datasets. Any HDF5 failure throws H5Failure with what
// was being done ("reading attribute 'ctx' of /evaluation"); session.cpp turns it into a
// FileError naming the file. HDF5's own error printing is silenced once per process, so a
// corrupt file produces one clear message instead of an HDF5 stack dump on stderr.
// Internal to engine/session.

#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace qs::h5 {

class H5Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

void silenceErrorPrinting();

// Owns one hid_t; the closer matches its kind (file, group, dataset, dataspace, type, attr).
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() = default;
    Handle(hid_t id, Closer closer, const std::string& what); // throws H5Failure if id < 0
    ~Handle() { reset(); }
    Handle(Handle&& o) noexcept : m_id(o.m_id), m_closer(o.m_closer) { o.m_id = -1; }
    Handle& operator=(Handle&& o) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    hid_t id() const { return m_id; }
    operator hid_t() const { return m_id; }
    void reset();
    // Closes now and reports a failure (H5Fclose flushes: its error matters).
    void close(const std::string& what);

private:
    hid_t m_id = -1;
    Closer m_closer = nullptr;
};

Handle createGroup(hid_t loc, const std::string& name);
Handle openGroup(hid_t loc, const std::string& name); // throws "missing group"
bool exists(hid_t loc, const std::string& name);      // link (group or dataset)
bool hasAttribute(hid_t obj, const std::string& name);

void writeAttr(hid_t obj, const std::string& name, double v);
void writeAttr(hid_t obj, const std::string& name, int64_t v);
void writeAttr(hid_t obj, const std::string& name, const std::string& v);
void writeAttr(hid_t obj, const std::string& name, const std::vector<std::string>& v);
inline void writeAttr(hid_t obj, const std::string& name, const char* v) {
    writeAttr(obj, name, std::string(v));
}
inline void writeAttr(hid_t obj, const std::string& name, int v) {
    writeAttr(obj, name, int64_t(v));
}
inline void writeAttr(hid_t obj, const std::string& name, uint64_t v) {
    writeAttr(obj, name, int64_t(v));
}

double readDoubleAttr(hid_t obj, const std::string& name);
int64_t readIntAttr(hid_t obj, const std::string& name);
std::string readStringAttr(hid_t obj, const std::string& name);
std::vector<std::string> readStringsAttr(hid_t obj, const std::string& name);

// Row-major datasets; `cols` 0 writes a 1-D dataset. Returns the dataset for attributes.
Handle writeDoubles(hid_t loc, const std::string& name, const std::vector<double>& v,
                    uint64_t cols = 0);
Handle writeFloats(hid_t loc, const std::string& name, const std::vector<float>& v,
                   uint64_t cols = 0);
Handle writeInts(hid_t loc, const std::string& name, const std::vector<int64_t>& v,
                 uint64_t cols = 0);
Handle writeStrings(hid_t loc, const std::string& name, const std::vector<std::string>& v);
Handle writeString(hid_t loc, const std::string& name, const std::string& v); // scalar

// `cols` receives the second dimension (0 for a 1-D dataset).
std::vector<double> readDoubles(hid_t loc, const std::string& name, uint64_t* cols = nullptr);
std::vector<float> readFloats(hid_t loc, const std::string& name, uint64_t* cols = nullptr);
std::vector<int64_t> readInts(hid_t loc, const std::string& name, uint64_t* cols = nullptr);
std::vector<std::string> readStrings(hid_t loc, const std::string& name);
std::string readString(hid_t loc, const std::string& name);

// Names of the links in a group, in creation order when tracked, else by name.
std::vector<std::string> children(hid_t group);

} // namespace qs::h5
