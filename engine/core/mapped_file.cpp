#include "core/mapped_file.h"

#include "core/error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace qs {

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw FileError(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        throw FileError(path, std::string("cannot stat: ") + std::strerror(err));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw FileError(path, "is a directory, expected a file");
    }
    if (st.st_size == 0) {
        ::close(fd);
        throw FileError(path, "file is empty");
    }
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    ::close(fd);
    if (p == MAP_FAILED) throw FileError(path, std::string("cannot map: ") + std::strerror(err));

    std::shared_ptr<MappedFile> file(new MappedFile());
    file->m_path = path;
    file->m_data = static_cast<const std::byte*>(p);
    file->m_size = static_cast<uint64_t>(st.st_size);
    return file;
}

MappedFile::~MappedFile() {
    if (m_data) ::munmap(const_cast<std::byte*>(m_data), m_size);
}

std::span<const std::byte> MappedFile::bytes(uint64_t offset, uint64_t length) const {
    if (offset > m_size || length > m_size - offset)
        throw FileError(m_path,
                        "data at offset " + std::to_string(offset) + " (+" +
                            std::to_string(length) + " bytes) extends past the end of the file (" +
                            std::to_string(m_size) + " bytes); the file is truncated or corrupt");
    return {m_data + offset, static_cast<size_t>(length)};
}

} // namespace qs
