"""PyTorch peer for log-prob gathering on the GPU: the naive baseline of RL trainers,
torch.log_softmax(logits.float() / T, -1).gather(-1, targets) (what verl/TRL do without a fused
kernel), plus its entropy, each eager and torch.compile'd, timed with CUDA events, with the peak extra memory of each.
Compare with the parity runner's --bench rows (`logprobs bench N=... V=...`), which time
our forward on the same shapes (bf16 logits, f32 math).
    python3 benchmarks/gpu/logprob_torch.py --out result.json
"""
import argparse
import json

import torch

from torch_timing import bench



def peak_extra(fn):
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    rows = []
    torch._dynamo.config.cache_size_limit = 64
    for n, v, dtype in [(4096, 151936, torch.bfloat16), (16384, 151936, torch.bfloat16), (4096, 32000, torch.float32)]:
        logits = (torch.rand(n, v, device="cuda") * 16 - 8).to(dtype)
        targets = (torch.arange(n, device="cuda") * 7919) % v

        def gather():
            return torch.log_softmax(logits.float(), dim=-1).gather(-1, targets[:, None]).squeeze(-1)

        def gather_entropy():
            logp_all = torch.log_softmax(logits.float(), dim=-1)
            logp = logp_all.gather(-1, targets[:, None]).squeeze(-1)
            entropy = -(logp_all.exp() * logp_all).sum(-1)
            return logp, entropy

        name = "bf16" if dtype == torch.bfloat16 else "f32"
        bytes_read = logits.numel() * logits.element_size()
        variants = [("log_softmax+gather", gather), ("log_softmax+gather+entropy", gather_entropy)]
        # torch.compile fuses the upcast, softmax and gather (Inductor/Triton): the strongest
        # unfused-by-hand peer. Compilation can fail on an image without a working Triton;
        # then the row says why instead of the run stopping.
        for label, fn in list(variants):
            try:
                compiled = torch.compile(fn, dynamic=False)
                compiled()
                variants.append(("compiled " + label, compiled))
            except Exception as e:  # noqa: BLE001 - any compile failure is reported, not fatal
                rows.append({"op": "logprobs", "peer": "torch.compile " + label, "N": n, "V": v, "dtype": name,
                             "error": f"{type(e).__name__}: {e}"[:300]})
        for label, fn in variants:
            ms = bench(fn)
            extra = peak_extra(fn)
            row = {"op": "logprobs", "peer": "torch " + label, "N": n, "V": v, "dtype": name, "ms": ms,
                   "GBs": bytes_read / (ms * 1e6), "peakExtraBytes": extra}
            rows.append(row)
            print(f"torch {label} N={n} V={v} {name}: {ms:.3f} ms, {row['GBs']:.0f} GB/s of logits, "
                  f"peak extra {extra / 2**20:.0f} MiB")
        del logits
        torch.cuda.empty_cache()

    # Fused-path peer: hidden @ weight.T materialized, then log_softmax + gather (V = 151936).
    n, dm, v = 4096, 896, 151936
    hidden = torch.randn(n, dm, device="cuda") * 0.05
    weight = torch.randn(v, dm, device="cuda") * 0.05
    targets = (torch.arange(n, device="cuda") * 7919) % v

    def linear_gather():
        return torch.log_softmax(hidden @ weight.T, dim=-1).gather(-1, targets[:, None]).squeeze(-1)

    ms = bench(linear_gather, repeats=5)
    extra = peak_extra(linear_gather)
    rows.append({"op": "linearLogprobs", "peer": "torch matmul+log_softmax+gather", "N": n, "Dm": dm, "V": v,
                 "dtype": "f32", "ms": ms, "peakExtraBytes": extra})
    print(f"torch matmul+log_softmax+gather N={n} Dm={dm} V={v}: {ms:.3f} ms, peak extra {extra / 2**20:.0f} MiB")
    with open(args.out, "w") as f:
        json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
