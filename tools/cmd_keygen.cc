// smeledger keygen --name ORIGIN --out FILE: a new Ed25519 signing key for the ledger's
// checkpoints (C2SP signed-note key texts, ledger/README.md "Signed notes and checkpoints").
// The secret key goes to FILE, created with mode 0600 and never over an existing file; the
// verifier key (vkey) goes to stdout.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli.h"
#include "smeledger/ledger/signed_note.h"

namespace smeledger::cli {
namespace {

// Writes all of data to fd, retrying on EINTR and short writes. errno is set on failure.
bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

// Makes the new directory entry durable; best effort (the directory may not be readable).
void SyncParentDirectory(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

int RunKeygen(const GlobalOptions& g, const std::string& name, const std::string& out) {
  if (!ledger::IsValidKeyName(name))
    return Fail(kUsage, "bad key name \"" + name +
                            "\": a key name (the checkpoint origin) is non-empty UTF-8 with no "
                            "'+' and no whitespace, e.g. example.com/smeledger");
  if (out.empty()) return Fail(kUsage, "--out needs a file name");
  auto key = ledger::GenerateSignerKey(name);
  if (!key.ok()) return Fail(kEnvironment, "cannot generate a key: " + key.status().message());

  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    if (e == EEXIST) return Fail(kUsage, out + " exists: a signing key is never overwritten");
    const bool usage = e == ENOENT || e == ENOTDIR || e == EISDIR || e == ENAMETOOLONG ||
                       e == ELOOP;
    return Fail(usage ? kUsage : kEnvironment,
                "cannot create " + out + ": " + std::strerror(e));
  }
  // The key file is ours from here: any failure removes it, so no partial key is left behind.
  auto fail_removing = [&](int code, const std::string& what, int e) {
    if (fd >= 0) ::close(fd);
    ::unlink(out.c_str());
    return Fail(code, what + " " + out + ": " + std::strerror(e) + " (the file was removed)");
  };
  // Exactly 0600 whatever the umask (the umask can only have narrowed it).
  if (::fchmod(fd, 0600) != 0) return fail_removing(kEnvironment, "cannot chmod", errno);
  if (!WriteAll(fd, key->ToString() + "\n")) return fail_removing(kEnvironment, "cannot write", errno);
  if (::fsync(fd) != 0) return fail_removing(kEnvironment, "cannot sync", errno);
  if (::close(fd) != 0) {
    fd = -1;
    return fail_removing(kEnvironment, "cannot close", errno);
  }
  fd = -1;
  SyncParentDirectory(out);

  const std::string vkey = key->verifier().ToString();
  std::fwrite(vkey.data(), 1, vkey.size(), stdout);
  std::fputc('\n', stdout);
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    // Nobody saw the verifier key; the key was never used: do not leave it behind.
    const int e = errno;
    ::unlink(out.c_str());
    return Fail(kEnvironment, std::string("cannot write the verifier key to standard output: ") +
                                  std::strerror(e) + " (" + out + " was removed)");
  }
  if (!g.quiet)
    std::fprintf(stderr,
                 "wrote the signing key for %s to %s (mode 0600): keep it secret and backed up. "
                 "Give out the verifier key above (stdout) to whoever checks checkpoints.\n",
                 name.c_str(), out.c_str());
  return kOk;
}

}  // namespace

void AddKeygen(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "keygen",
      "a new Ed25519 key for signing the ledger's checkpoints (C2SP signed note): writes the "
      "secret signer key (PRIVATE+KEY+NAME+ID+KEY) to FILE, created with mode 0600 and never "
      "over an existing file (exit 2 if it exists), and prints the verifier key NAME+ID+KEY "
      "(the vkey for `checkpoint verify --vkey`) as one line on stdout, whatever --format");
  auto name = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--name", *name,
                  "the key name = the origin of the checkpoints it signs, e.g. "
                  "example.com/smeledger (UTF-8, no '+', no whitespace)")
      ->required();
  cmd->add_option("--out", *out, "the new secret key file (must not exist)")->required();
  cmd->callback([&g, exit_code, name, out] { *exit_code = RunKeygen(g, *name, *out); });
}

}  // namespace smeledger::cli
