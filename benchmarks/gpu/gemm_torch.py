"""PyTorch peer for the CUDA GEMM: torch.matmul TFLOP/s for square bf16 and f32 GEMMs
(1024..8192), timed with CUDA events; compare with the parity runner's --bench gemm rows
(cuBLAS and own-kernel paths). f32 runs with TF32 off (torch's default for matmul), which
is what the engine's f32 path computes.
    python3 benchmarks/gpu/gemm_torch.py --out result.json
"""
import argparse
import json

import torch

from torch_timing import bench



def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--sizes", default="1024,2048,4096,8192")
    args = p.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for name, dtype in [("bf16", torch.bfloat16), ("f32", torch.float32)]:
            a = torch.randn(size, size, device="cuda", dtype=dtype)
            b = torch.randn(size, size, device="cuda", dtype=dtype)
            for trans_b in (False, True):  # x @ W and x @ W^T (the model's linear layers)
                rhs = b.t() if trans_b else b
                ms = bench(lambda: torch.matmul(a, rhs))
                tflops = 2 * size**3 / (ms * 1e9)
                rows.append({"op": "gemm", "peer": "torch", "dtype": name, "size": size, "transB": trans_b,
                             "ms": ms, "TFLOPs": tflops})
                print(f"torch matmul {name} {size}^3 transB={trans_b}: {ms:.4f} ms, {tflops:.1f} TFLOP/s")
            del a, b
    with open(args.out, "w") as f:
        json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__,
                   "cuda": torch.version.cuda, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
