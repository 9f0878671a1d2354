// The CPU kernels one ISA set provides, as a table of function pointers. Every kernel
// source listed in CMake's TX_KERNEL_SOURCES is compiled once per set with
// -DTX_ISA_NS=<set> (and that set's -m flags), which puts its definitions in
// tx::cpu::<set>; kernel_table.cpp, compiled the same way, fills that set's table, and
// dispatch.cpp routes the public tx::cpu:: entry points (cpu/<family>.h) to the selected one.
#pragma once
#include <cstdint>
#include <vector>

#include "cpu/attention_rows.h"
#include "cpu/decode_prefix.h"
#include "tx/ops.h"

// X(return type, name, parameter list, argument list): every dispatched kernel, once.
#define TX_CPU_KERNELS(X)                                                                          \
  X(int64_t, grouped_advantages, (const GroupedAdvantagesArgs& a), (a))                            \
  X(void, logprobs, (const LogprobsArgs& a), (a))                                                  \
  X(void, logprobs_backward, (const LogprobsBackwardArgs& a), (a))                                 \
  X(void, linear_logprobs, (const LinearLogprobsArgs& a), (a))                                     \
  X(void, linear_logprobs_backward, (const LinearLogprobsBackwardArgs& a), (a))                    \
  X(void, attention, (const AttentionArgs& a, float scale), (a, scale))                            \
  X(void, attention_backward, (const AttentionBackwardArgs& a, float scale), (a, scale))           \
  X(void, decode_attention, (const DecodeAttentionArgs& a, float scale), (a, scale))               \
  X(void, attention_rows, (const AttentionRowsArgs& a), (a))                                       \
  X(void, attention_rows_backward, (const AttentionRowsArgs& a), (a))                              \
  X(void, decode_attention_prefix, (const PrefixDecodeArgs& a), (a))                               \
  X(void, prefix_transpose_block, (const float* keys, int64_t stride, int n, int D, float* dst),  \
    (keys, stride, n, D, dst))                                                                     \
  X(int64_t, grpo_loss, (const GrpoLossArgs& a, GrpoLossResult* r), (a, r))                        \
  X(bool, adamw_step, (const AdamWArgs& a, AdamWResult* r), (a, r))                                \
  X(int64_t, sample, (const SampleArgs& a, bool* empty_row), (a, empty_row))                       \
  X(void, gemm, (const GemmArgs& a), (a))                                                          \
  X(int64_t, gemm_packed_b_floats, (int64_t n, int64_t k), (n, k))                                 \
  X(void, gemm_pack_b, (const float* b, bool trans_b, int64_t n, int64_t k, float* out), (b, trans_b, n, k, out)) \
  X(void, gemm_prepacked, (const GemmArgs& a, const float* packed_b), (a, packed_b))               \
  X(void, rms_norm, (const RmsNormArgs& a), (a))                                                   \
  X(void, rms_norm_backward, (const RmsNormBackwardArgs& a), (a))                                  \
  X(void, rope, (const RopeArgs& a, bool inverse), (a, inverse))                                   \
  X(void, swiglu, (const SwigluArgs& a), (a))                                                      \
  X(void, swiglu_backward, (const SwigluBackwardArgs& a), (a))                                     \
  X(void, embedding, (const EmbeddingArgs& a), (a))                                                \
  X(void, embedding_backward, (const EmbeddingBackwardArgs& a), (a))                               \
  X(void, residual_add, (const ResidualAddArgs& a), (a))

namespace tx::cpu {

struct KernelTable {
#define TX_KERNEL_POINTER(ret, name, params, args) ret(*name) params;
  TX_CPU_KERNELS(TX_KERNEL_POINTER)
#undef TX_KERNEL_POINTER
};

// One table per compiled set (kernel_table.cpp); only the sets of the target architecture exist.
#if defined(__x86_64__) || defined(_M_X64)
namespace scalar { const KernelTable& kernel_table(); }
namespace avx2 { const KernelTable& kernel_table(); }
namespace avx512 { const KernelTable& kernel_table(); }
#define TX_ISA_X86 1
#elif defined(__aarch64__) || defined(_M_ARM64)
namespace scalar { const KernelTable& kernel_table(); }
namespace neon { const KernelTable& kernel_table(); }
#define TX_ISA_ARM 1
#else
namespace scalar { const KernelTable& kernel_table(); }
#endif
// Not dispatched (integer or libm-only arithmetic, identical in every set, used by the
// CUDA launchers too): the scalar set's definitions.
namespace scalar {
void rope_angle(double theta, int64_t head_dim, int64_t p, int64_t i, float* c, float* s);
void group_by_id(const int32_t* ids, int64_t tokens, int64_t vocab, std::vector<int32_t>* order,
                 std::vector<int32_t>* start, std::vector<int32_t>* uid);
}  // namespace scalar

}  // namespace tx::cpu
