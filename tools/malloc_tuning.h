// Process-wide allocator settings, applied before anything else runs (see malloc_tuning.cc).
#pragma once

#include <string>

namespace smeledger::cli {

// glibc's tunables this program runs with.
inline constexpr const char* kMallocTunables = "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1";

// Unless the allocator is tuned already (GLIBC_TUNABLES names either tunable) or the user
// opted out (SMELEDGER_MALLOC=system), re-executes this program once, same arguments, with
// kMallocTunables added in front of GLIBC_TUNABLES. Returns only when it did not re-execute.
void TuneAllocatorOrReexec(char** argv);

// The allocator settings this process runs with, for benchmark reports: the glibc.malloc
// tunables in GLIBC_TUNABLES, or "system".
std::string AllocatorSettings();

}  // namespace smeledger::cli
