// Errors as values. A Status says what the caller does next:
//   kInvalidInput  — bad input from the user (a file, an option): reject, tell the user (exit 2)
//   kConflict      — a normal business outcome that is not success (kept for callers' use)
//   kRetryable     — an environment fault that may pass by itself (broker unreachable, RocksDB
//                    Busy or TryAgain): a service retries after a pause; a command exits 3
//   kCorruption    — stored data is not what was written: stop and shout (exit 1 from verify)
//   kNotFound      — a lookup found nothing
//   kIo            — the environment failed (cannot open, disk error): stop, exit 3
//   kNoSpace       — the disk is full: stop, nothing half-written, exit 3
//   kLocked        — another process holds the ledger for writing: stop, exit 3
// Callers decide on the code, never on the message text (IsRetryable for retry loops).
// A rejected event is not a Status: it is an Outcome (see outcome.h).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace smeledger {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk, kInvalidInput, kConflict, kRetryable, kCorruption, kNotFound, kIo, kNoSpace, kLocked
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidInput(std::string m) { return Status(Code::kInvalidInput, std::move(m)); }
  static Status Conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }
  static Status Retryable(std::string m) { return Status(Code::kRetryable, std::move(m)); }
  static Status Corruption(std::string m) { return Status(Code::kCorruption, std::move(m)); }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status Io(std::string m) { return Status(Code::kIo, std::move(m)); }
  static Status NoSpace(std::string m) { return Status(Code::kNoSpace, std::move(m)); }
  static Status Locked(std::string m) { return Status(Code::kLocked, std::move(m)); }

  bool ok() const { return code_ == Code::kOk; }
  // A fault that may pass by itself: a retry loop waits and tries again.
  bool IsRetryable() const { return code_ == Code::kRetryable; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Ignoring a Status on purpose is a visible call.
  void IgnoreError() const {}

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                      // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}               // NOLINT: REQUIRES !status.ok()
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace smeledger
