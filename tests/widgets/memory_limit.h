#pragma once
// Caps the test process's address space, so a loader that trusts a corrupt header and tries to
// allocate gigabytes fails with std::bad_alloc (reported like any load error) instead of
// swapping the shared build machine. Not applied under AddressSanitizer, which reserves
// terabytes of shadow memory.
//
//   qs::test::limitAddressSpace();   // in initTestCase()

#include <sys/resource.h>

#include <cstdint>
#include <thread>

namespace qs::test {

// Thread stacks and malloc arenas are reserved per core, so the default cap grows with them.
inline void limitAddressSpace(uint64_t bytes = (uint64_t(8) << 30) +
                                               (uint64_t(256) << 20) *
                                                   std::thread::hardware_concurrency()) {
#if !defined(__SANITIZE_ADDRESS__)
    rlimit limit{};
    if (getrlimit(RLIMIT_AS, &limit) == 0 &&
        (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > bytes)) {
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_AS, &limit);
    }
#else
    (void)bytes;
#endif
}

} // namespace qs::test
