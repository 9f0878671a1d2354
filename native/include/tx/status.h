// Status: how every native entry point reports failure. No C++ exception crosses the
// engine's API; callers (bindings, the parity runner) turn a Status into their own error.
#pragma once
#include <string>
#include <utility>

namespace tx {

// Mirrors TxError codes in lib/errors.ts (same order as TX_ERROR_CODES).
enum class Code : int {
  kOk = 0,
  kShape,   // E_SHAPE: lengths or shapes disagree
  kDtype,   // E_DTYPE: wrong element type
  kRange,   // E_RANGE: a value out of its allowed range (index, offset, NaN, option)
  kDevice,  // E_DEVICE: device not available or tensors on different devices
  kOom,     // E_OOM: allocation failed
  kState,   // E_STATE: object used in a state that forbids it (disposed, ...)
  kFormat,  // E_FORMAT: malformed structured input
};

const char* code_name(Code c);

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Early return on error inside functions returning Status.
#define TX_RETURN_IF_ERROR(expr)          \
  do {                                    \
    ::tx::Status tx_status_ = (expr);     \
    if (!tx_status_.is_ok()) return tx_status_; \
  } while (0)

}  // namespace tx
