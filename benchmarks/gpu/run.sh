#!/usr/bin/env bash
# On a machine with an NVIDIA GPU (no Node needed): build the engine and the parity runner
# with plain CMake, run every CUDA op against its CPU twin, benchmark, write JSON.
#   bash benchmarks/gpu/run.sh [arch-list]     (default 80;90a; e.g. "90a" for H100 only)
# Output: a table on stdout and benchmarks/results/gpu-<device>-<date>.json, plus
# PyTorch peer timings (benchmarks/gpu/*_torch.py) when python3 has torch, and the model's
# parity with transformers' Qwen2 (qwen2_parity.py) when it also has transformers.
set -euo pipefail
cd "$(dirname "$0")/../.."
archs="${1:-80;90a}"
build=build-gpu
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

cmake -S . -B "$build" -DTX_BUILD_ADDON=OFF -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CUDA_ARCHITECTURES=${archs}" >/dev/null
cmake --build "$build" -j"$(nproc)"

device=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1 | tr ' ' '-' | tr -cd 'A-Za-z0-9-')
device=${device:-unknown-gpu}
date=$(date +%Y-%m-%d)
mkdir -p benchmarks/results
out="benchmarks/results/gpu-${device}-${date}.json"

status=0
"./$build/tx_parity" --bench --json "$out" || status=$?

# Peers: each *_torch.py prints a table and writes its own JSON next to ours.
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  for peer in benchmarks/gpu/*_torch.py; do
    [ -e "$peer" ] || continue
    python3 "$peer" --out "benchmarks/results/gpu-${device}-${date}-$(basename "$peer" .py).json" || status=$?
  done
else
  echo "PyTorch with CUDA not available: peer timings skipped"
fi

# The native model's forward against transformers' Qwen2ForCausalLM (random weights).
if python3 -c 'import torch, transformers' 2>/dev/null; then
  python3 benchmarks/gpu/qwen2_parity.py --qwen25-05b --tool "./$build/tx_model_logprobs" \
    --out "benchmarks/results/gpu-${device}-${date}-qwen2_parity.json" || status=$?
else
  echo "torch/transformers not available: Qwen2 parity skipped"
fi
echo "results: $out"
exit $status
