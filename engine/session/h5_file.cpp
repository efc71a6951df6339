#include "session/h5_file.h"

#include <cstring>

namespace qs::h5 {

namespace {

void check(herr_t status, const std::string& what) {
    if (status < 0) throw H5Failure(what + " failed");
}

Handle stringType() {
    Handle t(H5Tcopy(H5T_C_S1), H5Tclose, "creating a string type");
    check(H5Tset_size(t, H5T_VARIABLE), "sizing a string type");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "setting UTF-8 on a string type");
    return t;
}

Handle scalarSpace() {
    return Handle(H5Screate(H5S_SCALAR), H5Sclose, "creating a dataspace");
}

Handle simpleSpace(uint64_t n, uint64_t cols) {
    hsize_t dims[2] = {cols ? n / cols : n, cols};
    return Handle(H5Screate_simple(cols ? 2 : 1, dims, nullptr), H5Sclose, "creating a dataspace");
}

Handle openAttr(hid_t obj, const std::string& name) {
    return Handle(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose,
                  "opening attribute '" + name + "'");
}

template <typename T>
void writeScalarAttr(hid_t obj, const std::string& name, hid_t fileType, hid_t memType,
                     const T& v) {
    Handle space = scalarSpace();
    Handle a(H5Acreate2(obj, name.c_str(), fileType, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
             "creating attribute '" + name + "'");
    check(H5Awrite(a, memType, &v), "writing attribute '" + name + "'");
}

template <typename T>
T readScalarAttr(hid_t obj, const std::string& name, hid_t memType, H5T_class_t expected) {
    Handle a = openAttr(obj, name);
    Handle type(H5Aget_type(a), H5Tclose, "reading the type of attribute '" + name + "'");
    Handle space(H5Aget_space(a), H5Sclose, "reading the shape of attribute '" + name + "'");
    if (H5Tget_class(type) != expected || H5Sget_simple_extent_npoints(space) != 1)
        throw H5Failure("attribute '" + name + "' has an unexpected type or shape");
    T v{};
    check(H5Aread(a, memType, &v), "reading attribute '" + name + "'");
    return v;
}

// Checks the class of a stored type and returns its element count and column count.
uint64_t extent(hid_t space, const std::string& name, uint64_t* cols) {
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 0 || rank > 2) throw H5Failure("dataset '" + name + "' has an unexpected rank");
    hsize_t dims[2] = {0, 0};
    if (rank > 0)
        check(H5Sget_simple_extent_dims(space, dims, nullptr),
              "reading the shape of '" + name + "'");
    if (cols) *cols = rank == 2 ? dims[1] : 0;
    return rank == 0 ? 1 : rank == 1 ? dims[0] : dims[0] * dims[1];
}

template <typename T>
Handle writeNumeric(hid_t loc, const std::string& name, const std::vector<T>& v, uint64_t cols,
                    hid_t fileType, hid_t memType) {
    if (cols && v.size() % cols)
        throw H5Failure("dataset '" + name + "': size is not a multiple of its columns");
    Handle space = simpleSpace(v.size(), cols);
    Handle ds(H5Dcreate2(loc, name.c_str(), fileType, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, "creating dataset '" + name + "'");
    if (!v.empty())
        check(H5Dwrite(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
              "writing dataset '" + name + "'");
    return ds;
}

template <typename T>
std::vector<T> readNumeric(hid_t loc, const std::string& name, uint64_t* cols, hid_t memType,
                           H5T_class_t expected) {
    Handle ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose, "opening dataset '" + name + "'");
    Handle type(H5Dget_type(ds), H5Tclose, "reading the type of '" + name + "'");
    if (H5Tget_class(type) != expected)
        throw H5Failure("dataset '" + name + "' has an unexpected element type");
    Handle space(H5Dget_space(ds), H5Sclose, "reading the shape of '" + name + "'");
    std::vector<T> v(size_t(extent(space, name, cols)));
    if (!v.empty())
        check(H5Dread(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
              "reading dataset '" + name + "'");
    return v;
}

// Copies variable-length strings out of HDF5's buffers and frees them.
std::vector<std::string> takeStrings(std::vector<char*>& ptrs) {
    std::vector<std::string> out;
    out.reserve(ptrs.size());
    for (char*& p : ptrs) {
        out.emplace_back(p ? p : "");
        if (p) H5free_memory(p);
        p = nullptr;
    }
    return out;
}

void requireVariableString(hid_t type, const std::string& name) {
    if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) <= 0)
        throw H5Failure("'" + name + "' is not a variable-length string");
}

} // namespace

void silenceErrorPrinting() {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Handle::Handle(hid_t id, Closer closer, const std::string& what) : m_id(id), m_closer(closer) {
    if (id < 0) throw H5Failure(what + " failed");
}

Handle& Handle::operator=(Handle&& o) noexcept {
    if (this != &o) {
        reset();
        m_id = o.m_id;
        m_closer = o.m_closer;
        o.m_id = -1;
    }
    return *this;
}

void Handle::reset() {
    if (m_id >= 0 && m_closer) m_closer(m_id);
    m_id = -1;
}

void Handle::close(const std::string& what) {
    const hid_t id = m_id;
    m_id = -1;
    if (id >= 0 && m_closer) check(m_closer(id), what);
}

Handle createGroup(hid_t loc, const std::string& name) {
    return Handle(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                  "creating group '" + name + "'");
}

Handle openGroup(hid_t loc, const std::string& name) {
    if (!exists(loc, name)) throw H5Failure("missing group '" + name + "'");
    return Handle(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose,
                  "opening group '" + name + "'");
}

bool exists(hid_t loc, const std::string& name) {
    const htri_t r = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
    if (r < 0) throw H5Failure("looking up '" + name + "' failed");
    return r > 0;
}

bool hasAttribute(hid_t obj, const std::string& name) {
    const htri_t r = H5Aexists(obj, name.c_str());
    if (r < 0) throw H5Failure("looking up attribute '" + name + "' failed");
    return r > 0;
}

void writeAttr(hid_t obj, const std::string& name, double v) {
    writeScalarAttr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v);
}
void writeAttr(hid_t obj, const std::string& name, int64_t v) {
    writeScalarAttr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, v);
}
void writeAttr(hid_t obj, const std::string& name, const std::string& v) {
    Handle type = stringType();
    const char* p = v.c_str();
    writeScalarAttr(obj, name, type, type, p);
}
void writeAttr(hid_t obj, const std::string& name, const std::vector<std::string>& v) {
    Handle type = stringType();
    Handle space = simpleSpace(v.size(), 0);
    Handle a(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
             "creating attribute '" + name + "'");
    std::vector<const char*> ptrs;
    for (const auto& s : v) ptrs.push_back(s.c_str());
    if (!ptrs.empty()) check(H5Awrite(a, type, ptrs.data()), "writing attribute '" + name + "'");
}

double readDoubleAttr(hid_t obj, const std::string& name) {
    return readScalarAttr<double>(obj, name, H5T_NATIVE_DOUBLE, H5T_FLOAT);
}
int64_t readIntAttr(hid_t obj, const std::string& name) {
    return readScalarAttr<int64_t>(obj, name, H5T_NATIVE_INT64, H5T_INTEGER);
}
std::string readStringAttr(hid_t obj, const std::string& name) {
    auto v = readStringsAttr(obj, name);
    if (v.size() != 1) throw H5Failure("attribute '" + name + "' is not a single string");
    return v[0];
}
std::vector<std::string> readStringsAttr(hid_t obj, const std::string& name) {
    Handle a = openAttr(obj, name);
    Handle ftype(H5Aget_type(a), H5Tclose, "reading the type of attribute '" + name + "'");
    requireVariableString(ftype, "attribute " + name);
    Handle space(H5Aget_space(a), H5Sclose, "reading the shape of attribute '" + name + "'");
    std::vector<char*> ptrs(size_t(extent(space, name, nullptr)), nullptr);
    Handle type = stringType();
    if (!ptrs.empty()) check(H5Aread(a, type, ptrs.data()), "reading attribute '" + name + "'");
    return takeStrings(ptrs);
}

Handle writeDoubles(hid_t loc, const std::string& name, const std::vector<double>& v,
                    uint64_t cols) {
    return writeNumeric(loc, name, v, cols, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}
Handle writeFloats(hid_t loc, const std::string& name, const std::vector<float>& v, uint64_t cols) {
    return writeNumeric(loc, name, v, cols, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT);
}
Handle writeInts(hid_t loc, const std::string& name, const std::vector<int64_t>& v, uint64_t cols) {
    return writeNumeric(loc, name, v, cols, H5T_STD_I64LE, H5T_NATIVE_INT64);
}
Handle writeStrings(hid_t loc, const std::string& name, const std::vector<std::string>& v) {
    Handle type = stringType();
    Handle space = simpleSpace(v.size(), 0);
    Handle ds(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, "creating dataset '" + name + "'");
    std::vector<const char*> ptrs;
    for (const auto& s : v) ptrs.push_back(s.c_str());
    if (!ptrs.empty())
        check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
              "writing dataset '" + name + "'");
    return ds;
}
Handle writeString(hid_t loc, const std::string& name, const std::string& v) {
    Handle type = stringType();
    Handle space = scalarSpace();
    Handle ds(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, "creating dataset '" + name + "'");
    const char* p = v.c_str();
    check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p), "writing dataset '" + name + "'");
    return ds;
}

std::vector<double> readDoubles(hid_t loc, const std::string& name, uint64_t* cols) {
    return readNumeric<double>(loc, name, cols, H5T_NATIVE_DOUBLE, H5T_FLOAT);
}
std::vector<float> readFloats(hid_t loc, const std::string& name, uint64_t* cols) {
    return readNumeric<float>(loc, name, cols, H5T_NATIVE_FLOAT, H5T_FLOAT);
}
std::vector<int64_t> readInts(hid_t loc, const std::string& name, uint64_t* cols) {
    return readNumeric<int64_t>(loc, name, cols, H5T_NATIVE_INT64, H5T_INTEGER);
}
std::vector<std::string> readStrings(hid_t loc, const std::string& name) {
    Handle ds(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), H5Dclose, "opening dataset '" + name + "'");
    Handle ftype(H5Dget_type(ds), H5Tclose, "reading the type of '" + name + "'");
    requireVariableString(ftype, name);
    Handle space(H5Dget_space(ds), H5Sclose, "reading the shape of '" + name + "'");
    std::vector<char*> ptrs(size_t(extent(space, name, nullptr)), nullptr);
    Handle type = stringType();
    if (!ptrs.empty())
        check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
              "reading dataset '" + name + "'");
    return takeStrings(ptrs);
}
std::string readString(hid_t loc, const std::string& name) {
    auto v = readStrings(loc, name);
    if (v.size() != 1) throw H5Failure("dataset '" + name + "' is not a single string");
    return v[0];
}

std::vector<std::string> children(hid_t group) {
    std::vector<std::string> names;
    auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
    };
    check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names),
          "listing a group");
    return names;
}

} // namespace qs::h5
