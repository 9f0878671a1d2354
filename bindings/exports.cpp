#include "exports.h"

namespace txn {

namespace {
std::vector<Export>& registry() {
  static std::vector<Export> r;  // constructed on first use: safe from any file's static initializer
  return r;
}
}  // namespace

Exports::Exports(std::initializer_list<Export> entries) {
  for (const Export& e : entries) registry().push_back(e);
}

const std::vector<Export>& registered_exports() { return registry(); }

}  // namespace txn
