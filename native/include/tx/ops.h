// The engine's op surface: one header per op family under tx/ops/ (its Args, the op and
// its validate_ input checks). Each op checks its arguments, returning a Status that names
// the offending argument, and dispatches to native/cpu/ or native/cuda/ by device
// (native/ops/<family>.cpp). docs/kernels.md has the exact math of every op.
#pragma once
#include "tx/runtime.h"

#include "tx/ops/advantage.h"
#include "tx/ops/logprob.h"
#include "tx/ops/attention.h"
#include "tx/ops/grpo_loss.h"
#include "tx/ops/adamw.h"
#include "tx/ops/sampling.h"
#include "tx/ops/gemm.h"
#include "tx/ops/rms_norm.h"
#include "tx/ops/rope.h"
#include "tx/ops/swiglu.h"
#include "tx/ops/embedding.h"
#include "tx/ops/residual.h"
