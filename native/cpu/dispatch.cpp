// The public CPU kernel entry points (cpu/<family>.h): each forwards to the selected set's table.
#include "cpu/adamw.h"
#include "cpu/advantage.h"
#include "cpu/attention.h"
#include "cpu/embedding.h"
#include "cpu/gemm.h"
#include "cpu/grpo_loss.h"
#include "cpu/isa.h"
#include "cpu/kernel_table.h"
#include "cpu/logprob.h"
#include "cpu/residual.h"
#include "cpu/rms_norm.h"
#include "cpu/rope.h"
#include "cpu/sampling.h"
#include "cpu/swiglu.h"

namespace tx::cpu {

namespace {

const KernelTable& table_of(Isa isa) {
  switch (isa) {
#if defined(TX_ISA_X86)
    case Isa::kAvx2: return avx2::kernel_table();
    case Isa::kAvx512: return avx512::kernel_table();
#elif defined(TX_ISA_ARM)
    case Isa::kNeon: return neon::kernel_table();
#endif
    default: return scalar::kernel_table();
  }
}

const KernelTable& table() {
  static const KernelTable& t = table_of(selected_isa());
  return t;
}

}  // namespace

#define TX_KERNEL_FORWARD(ret, name, params, args) \
  ret name params { return table().name args; }
TX_CPU_KERNELS(TX_KERNEL_FORWARD)
#undef TX_KERNEL_FORWARD

void rope_angle(double theta, int64_t head_dim, int64_t p, int64_t i, float* c, float* s) {
  scalar::rope_angle(theta, head_dim, p, i, c, s);
}
void group_by_id(const int32_t* ids, int64_t tokens, int64_t vocab, std::vector<int32_t>* order,
                 std::vector<int32_t>* start, std::vector<int32_t>* uid) {
  scalar::group_by_id(ids, tokens, vocab, order, start, uid);
}

}  // namespace tx::cpu
