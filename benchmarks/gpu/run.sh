#!/usr/bin/env bash
# Every CUDA path in one call, for the rare, short GPU lending (no Node needed there):
#   bash benchmarks/gpu/run.sh                 build (90a, ninja, all cores), then the phases
#   bash benchmarks/gpu/run.sh --dry-run       the CPU dry run CI does: reuse --build-dir,
#                                              CUDA cases report skipped, phases say why
# Options: --archs LIST (default 90a), --build-dir DIR (reuse a build; it must hold
# tx_parity and tx_model_logprobs), --out DIR (default $OUT when set, else
# benchmarks/results), --budget S (whole-run limit, default 540).
#
# Phases, in order of value, each under its own time limit, each writing its JSON the
# moment it ends so a cut run still returns what it did:
#   1 parity      every CUDA op against its CPU twin, the model path included
#   2 sanitizer   the runner under compute-sanitizer: memcheck on every suite, racecheck on
#                 the shared-memory kernels
#   3 transformers  qwen2_parity.py: the native model against Qwen2ForCausalLM (small
#                 configs plus Qwen2.5-0.5B's shapes)
#   4 bench       every op and the whole model step (tx_parity --bench), then the PyTorch
#                 peers (SDPA, compiled log-softmax+gather, cuBLAS bf16 GEMM, advantages)
# Files (at most 8, named gpu-<device>-<date>-<phase>.json, plus the log): see
# benchmarks/gpu/README.md. Exit status: 0 when no phase failed or crashed.
set -uo pipefail
export PYTHONUNBUFFERED=1  # the peers and the parity script print as they go (the log is read live)
cd "$(dirname "$0")/../.."

archs=90a
build=build-gpu
dry=0
budget=540
out_dir="${OUT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --archs) archs="$2"; shift ;;
    --build-dir) build="$2"; shift ;;
    --out) out_dir="$2"; shift ;;
    --budget) budget="$2"; shift ;;
    *) echo "run.sh: unknown option $1 (see the header of benchmarks/gpu/run.sh)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$out_dir" ] || out_dir=benchmarks/results
mkdir -p "$out_dir"
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }

if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  device=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | tr ' ' '-' | tr -cd 'A-Za-z0-9-')
else
  device=cpu-dry-run
fi
prefix="$out_dir/gpu-${device:-unknown-gpu}-$(date +%Y-%m-%d)"
log="$prefix-log.txt"
: >"$log"
summary="$prefix-summary.json"
phases_json=""
failed=0

say() { echo "$@" | tee -a "$log"; }
# record NAME STATUS SECONDS DETAIL: one row of the summary, rewritten after every phase.
record() {
  local detail=${4//\"/\'}
  phases_json="${phases_json:+$phases_json,
}    {\"phase\": \"$1\", \"status\": \"$2\", \"seconds\": $3, \"detail\": \"$detail\"}"
  printf '{\n  "device": "%s",\n  "dryRun": %s,\n  "archs": "%s",\n  "phases": [\n%s\n  ]\n}\n' \
    "$device" "$([ $dry = 1 ] && echo true || echo false)" "$archs" "$phases_json" >"$summary"
  case "$2" in failed|crashed|timeout) failed=1 ;; esac
}
# run_phase NAME LIMIT CMD...: runs CMD under its limit (and what is left of the budget),
# classifies the outcome: ok, failed (exit 1: a case failed), crashed (a signal or another
# status), timeout.
run_phase() {
  local name=$1 limit=$2
  shift 2
  local left=$(( budget - $(elapsed) ))
  if [ "$left" -lt 10 ]; then
    record "$name" skipped 0 "budget of ${budget} s spent before this phase"
    say "== $name: skipped (budget spent)"
    return
  fi
  [ "$limit" -le "$left" ] || limit=$left
  say "== $name (limit ${limit} s)"
  local t0 status
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1
  status=$?
  local secs=$(( $(date +%s) - t0 ))
  local verdict
  case $status in
    0) verdict=ok ;;
    1) verdict=failed ;;
    124|137) verdict=timeout ;;
    *) verdict=crashed ;;
  esac
  record "$name" "$verdict" "$secs" "exit status $status"
  say "   $verdict in ${secs} s (exit $status)"
}

say "toolexpander GPU run: device=$device dry_run=$dry archs=$archs out=$out_dir"
{ nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv 2>&1 || true
  nvcc --version 2>&1 | tail -1 || true
  python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "transformers", transformers.__version__)' 2>&1 || true
  command -v compute-sanitizer || echo "compute-sanitizer: not found"; } >>"$log"

# ---- build ---------------------------------------------------------------------------
if [ $dry = 1 ] && [ ! -x "$build/tx_parity" ]; then
  echo "run.sh --dry-run needs --build-dir with a built tx_parity (CI passes build-native)" >&2
  exit 2
fi
if [ $dry = 0 ]; then
  gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  run_phase build 300 bash -c "cmake -S . -B '$build' ${gen[*]} -DTX_BUILD_ADDON=OFF -DTX_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Release \
    '-DCMAKE_CUDA_ARCHITECTURES=$archs' && cmake --build '$build' -j$(nproc) --target tx_parity tx_model_logprobs"
  if [ ! -x "$build/tx_parity" ]; then
    say "build failed: nothing else can run (see $log)"
    exit 1
  fi
fi
parity="./$build/tx_parity"
cuda_usable=0
"$parity" --list >/dev/null 2>&1 || { say "tx_parity does not start"; record parity crashed 0 "tx_parity --list failed"; exit 1; }
"$parity" --only sample/cpu 2>/dev/null | grep -q '^cuda: compiled=yes usable=yes' && cuda_usable=1

# ---- 1 parity --------------------------------------------------------------------------
run_phase parity 150 "$parity" --json "$prefix-parity.json"

# ---- 2 sanitizer ---------------------------------------------------------------------
# memcheck finds out-of-bounds and misaligned accesses in kernels that never ran before;
# racecheck finds shared-memory hazards in the tiled kernels (attention, GEMM, the
# log-prob block reductions). Each writes its own section of one JSON.
if [ $cuda_usable = 1 ] && command -v compute-sanitizer >/dev/null; then
  san_json="$prefix-sanitizer.json"
  run_phase memcheck 150 compute-sanitizer --tool memcheck --error-exitcode 1 --print-limit 20 \
    "$parity" --only adamw/cuda,groupedAdvantages/cuda,attention,gemm/cuda,grpoLoss/cuda,logprobs/cuda,model/cuda,modelOps/cuda,sample/cuda
  run_phase racecheck 120 compute-sanitizer --tool racecheck --racecheck-report hazard --error-exitcode 1 --print-limit 20 \
    "$parity" --only attention,gemm/cuda,logprobs/cuda
  grep -E "ERROR SUMMARY|RACECHECK SUMMARY|Invalid|Race|hazard" "$log" | head -200 |
    python3 -c 'import json,sys; json.dump({"findings":[l.rstrip() for l in sys.stdin]}, open(sys.argv[1],"w"), indent=1)' "$san_json" || true
elif [ $cuda_usable = 1 ]; then
  record sanitizer skipped 0 "compute-sanitizer not on PATH"
  say "== sanitizer: skipped (compute-sanitizer not on PATH)"
else
  record sanitizer skipped 0 "no usable GPU: compute-sanitizer checks device code only"
  say "== sanitizer: skipped (no usable GPU)"
fi

# ---- 3 transformers parity -------------------------------------------------------------
if python3 -c 'import torch, transformers' >/dev/null 2>&1; then
  big=()
  [ $cuda_usable = 1 ] && big=(--qwen25-05b)
  run_phase transformers 150 python3 benchmarks/gpu/qwen2_parity.py --tool "./$build/tx_model_logprobs" \
    --out "$prefix-qwen2_parity.json" "${big[@]}"
else
  record transformers skipped 0 "python3 has no torch and transformers"
  say "== transformers: skipped (python3 has no torch and transformers)"
fi

# ---- 4 benchmarks ------------------------------------------------------------------------
run_phase bench 150 "$parity" --bench --only model-bench$([ $cuda_usable = 1 ] && echo ,adamw/cuda,groupedAdvantages/cuda,attention,gemm/cuda,grpoLoss/cuda,logprobs/cuda,sample/cuda) \
  --json "$prefix-bench.json"
if [ $cuda_usable = 1 ] && python3 -c 'import torch; assert torch.cuda.is_available()' >/dev/null 2>&1; then
  peers=$(mktemp -d)
  for peer in benchmarks/gpu/*_torch.py; do
    run_phase "torch:$(basename "$peer" .py)" 60 python3 "$peer" --out "$peers/$(basename "$peer" .py).json"
  done
  python3 - "$peers" "$prefix-torch.json" <<'PY' || true
import json, os, sys
peers, out = sys.argv[1], sys.argv[2]
merged = {f[:-5]: json.load(open(os.path.join(peers, f))) for f in sorted(os.listdir(peers)) if f.endswith(".json")}
json.dump(merged, open(out, "w"), indent=1)
PY
else
  record torch skipped 0 "PyTorch with a usable CUDA device not available"
  say "== torch peers: skipped (PyTorch with CUDA not available)"
fi

# ---- summary table -------------------------------------------------------------------
say ""
say "phase            status    seconds  detail"
python3 - "$summary" <<'PY' | tee -a "$log"
import json, sys
for p in json.load(open(sys.argv[1]))["phases"]:
    print(f'{p["phase"]:<16} {p["status"]:<9} {p["seconds"]:>7}  {p["detail"]}')
PY
for f in "$prefix-parity.json" "$prefix-bench.json"; do
  [ -f "$f" ] || continue
  python3 - "$f" <<'PY' | tee -a "$log"
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
print(f'{sys.argv[1]}: {s["passed"]} passed, {s["failed"]} failed, {s["skipped"]} skipped')
for c in d["cases"]:
    if not c["passed"] and not c["skipped"]:
        print(f'  FAIL {c["op"]} [{c["device"]}] {c["case"]}: {c["detail"]}')
PY
done
say "total $(elapsed) s; files in $out_dir:"
ls "$prefix"* | tee -a "$log"
exit $failed
