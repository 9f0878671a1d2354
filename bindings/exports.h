// The addon's exported functions, registered by the file that defines them: each binding
// file holds one `const Exports` table of its JS names and entry points, filled in at
// static-initialization time; addon.cpp sets every registered name on the module. Adding
// an op family therefore adds its binding file and touches no shared binding file.
#pragma once
#include <napi.h>

#include <initializer_list>
#include <vector>

namespace txn {

// An entry point receives the JS name it was exported under (for internal-error messages):
// sync_entry<Prepare> and async_entry<Prepare> of op_runner.h have this shape.
using EntryFn = Napi::Value (*)(const Napi::CallbackInfo& info, const char* name);

struct Export {
  const char* name;  // the JS name, e.g. "logprobsSync"
  EntryFn fn;
};

struct Exports {
  Exports(std::initializer_list<Export> entries);
};

// Everything registered, in registration order (complete once static initialization ends).
const std::vector<Export>& registered_exports();

// An entry point that does not need its name (devices, setThreads, benchmarks).
template <Napi::Value (*Fn)(const Napi::CallbackInfo&)>
Napi::Value unnamed(const Napi::CallbackInfo& info, const char*) {
  return Fn(info);
}

}  // namespace txn
