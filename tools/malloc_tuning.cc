// Why the program re-executes itself once at start.
//
// Memory touched for the first time is the largest hidden cost of a big submit on a virtual
// machine: on the development VM (Firecracker, 2 vCPU) a 4 KiB page fault costs ~13 µs, and a
// million-event submit took ~80,000 of them (the memtables' arena, the state, the staged
// batches) — about a second of CPU on top of ~5 s of work. Two glibc tunables remove almost all
// of them: `hugetlb=1` backs malloc's heap with transparent huge pages (one fault per 2 MiB, and
// fewer TLB misses), `arena_max=1` keeps one heap, so that what one thread frees (a flushed
// memtable, freed by RocksDB's flush thread) is what the next memtable reuses. Measured:
// ~80,000 -> ~7,700 faults; `bench ingest` +15-20% (interleaved runs, ledger/README.md).
//
// glibc reads tunables only when a process starts, from GLIBC_TUNABLES, so the first start
// sets the variable and execs /proc/self/exe with the same arguments (same PID, same open
// files). Anything that fails leaves the process running as it was. Opt out with
// SMELEDGER_MALLOC=system (e.g. under valgrind, which does not follow the exec by default);
// a GLIBC_TUNABLES that names either tunable is taken as the user's choice and left alone.
#include "malloc_tuning.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>

namespace smeledger::cli {

namespace {

bool NamesOurTunables(const char* tunables) {
  return tunables && (std::strstr(tunables, "glibc.malloc.hugetlb") ||
                      std::strstr(tunables, "glibc.malloc.arena_max"));
}

}  // namespace

void TuneAllocatorOrReexec(char** argv) {
  const char* opt = std::getenv("SMELEDGER_MALLOC");
  if (opt && std::strcmp(opt, "system") == 0) return;
  const char* current = std::getenv("GLIBC_TUNABLES");
  if (NamesOurTunables(current)) return;
  const std::string before = current ? current : "";
  // The user's own tunables come after ours (glibc applies them in order).
  std::string tunables = kMallocTunables;
  if (!before.empty()) tunables += ":" + before;
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  // Exec the binary by its own path, so the process keeps its name ("smeledger" in ps, top and
  // pgrep; /proc/self/exe would rename it "exe"); /proc/self/exe when the path is unreadable.
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    execv(self, argv);
  }
  execv("/proc/self/exe", argv);
  // Still here: the exec failed. Carry on untuned, with the environment as it was.
  if (current) {
    setenv("GLIBC_TUNABLES", before.c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
}

std::string AllocatorSettings() {
  const char* t = std::getenv("GLIBC_TUNABLES");
  std::string out;
  if (t) {
    std::string all = t;
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      std::string item = all.substr(start, end - start);
      std::erase_if(item, [](char c) {  // plain characters only: the report is JSON
        return !(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                 c == '=' || c == '-');
      });
      if (item.rfind("glibc.malloc.", 0) == 0) out += (out.empty() ? "" : ":") + item;
      start = end + 1;
    }
  }
  return out.empty() ? "system" : out;
}

}  // namespace smeledger::cli
