"""PyTorch peer for groupedAdvantages on the GPU: verl-style GRPO normalization over
equal-size groups (view + mean/std), timed with CUDA events; compare with the parity
runner's --bench rows for the same R and group size.
    python3 benchmarks/gpu/advantage_torch.py --out result.json
"""
import argparse
import json

import torch

from torch_timing import bench



def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    rows = []
    for R, group in [(1 << 20, 8), (1 << 24, 8), (1 << 24, 4096)]:
        r = torch.rand(R, device="cuda")

        def grpo():
            g = r.view(-1, group)
            m = g.mean(dim=1, keepdim=True)
            s = g.std(dim=1, keepdim=True)
            return ((g - m) / (s + 1e-6)).view(-1)

        ms = bench(grpo)
        gbs = (8 * R) / (ms * 1e6)
        rows.append({"op": "groupedAdvantages", "peer": "torch", "R": R, "groupSize": group, "ms": ms, "GBs": gbs})
        print(f"torch grpo R={R} group={group}: {ms:.4f} ms, {gbs:.1f} GB/s")
    with open(args.out, "w") as f:
        json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
