"""PyTorch peer for attention on the GPU: scaled_dot_product_attention with the FLASH
backend (FA2 inside PyTorch), and torch.nn.attention.varlen.varlen_attn where this
PyTorch has it; bf16, causal, D = 64 / 128, 2k-16k tokens (hidden = H * D = 2048, as
FlashAttention's benchmark), forward and forward+backward, TFLOP/s with FlashAttention's
FLOP count (4 * T^2 * D * H per sequence, halved when causal; backward = 2.5x forward).
Compare with tx_parity --bench rows for attention / attentionBackward.
    python3 benchmarks/gpu/attention_torch.py --out result.json
"""
import argparse
import json

import torch

from torch_timing import bench
import torch.nn.functional as F



def flops(batch, seqlen, heads, d, causal):
    f = 4 * batch * seqlen * seqlen * heads * d
    return f // 2 if causal else f


def varlen_fn():
    try:
        from torch.nn.attention.varlen import varlen_attn  # PyTorch >= 2.10
        return varlen_attn
    except Exception:
        return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    varlen = varlen_fn()
    rows = []
    total = 16384
    for d in (64, 128):
        heads = 2048 // d
        for seqlen in (2048, 4096, 8192, 16384):
            batch = total // seqlen
            q = torch.randn(batch, heads, seqlen, d, device="cuda", dtype=torch.bfloat16, requires_grad=True)
            k = torch.randn_like(q, requires_grad=True)
            v = torch.randn_like(q, requires_grad=True)
            g = torch.randn_like(q)
            fl = flops(batch, seqlen, heads, d, True)

            def fwd():
                with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
                    return F.scaled_dot_product_attention(q, k, v, is_causal=True)

            def fwd_bwd():
                out = fwd()
                out.backward(g)

            for pass_, fn, f in (("fwd", fwd, fl), ("fwd+bwd", fwd_bwd, 3.5 * fl)):
                ms = bench(fn)
                rows.append({"op": "attention", "peer": "torch-sdpa-flash", "pass": pass_, "D": d, "heads": heads,
                             "seqlen": seqlen, "batch": batch, "causal": True, "ms": ms, "TFLOPs": f / (ms * 1e9)})
                print(f"sdpa flash {pass_} D={d} H={heads} T={seqlen} B={batch}: {ms:.3f} ms, {f / (ms * 1e9):.1f} TFLOP/s")

            if varlen is not None:
                qv = q.detach().transpose(1, 2).reshape(total, heads, d).contiguous().requires_grad_(True)
                kv = k.detach().transpose(1, 2).reshape(total, heads, d).contiguous().requires_grad_(True)
                vv = v.detach().transpose(1, 2).reshape(total, heads, d).contiguous().requires_grad_(True)
                gv = torch.randn_like(qv)
                cu = torch.arange(0, total + 1, seqlen, device="cuda", dtype=torch.int32)

                def vfwd():
                    return varlen(qv, kv, vv, cu, cu, seqlen, seqlen, is_causal=True)

                def vfwd_bwd():
                    vfwd().backward(gv)

                try:
                    for pass_, fn, f in (("fwd", vfwd, fl), ("fwd+bwd", vfwd_bwd, 3.5 * fl)):
                        ms = bench(fn)
                        rows.append({"op": "attention", "peer": "torch-varlen_attn", "pass": pass_, "D": d,
                                     "heads": heads, "seqlen": seqlen, "batch": batch, "causal": True, "ms": ms,
                                     "TFLOPs": f / (ms * 1e9)})
                        print(f"varlen_attn {pass_} D={d} T={seqlen}: {ms:.3f} ms, {f / (ms * 1e9):.1f} TFLOP/s")
                except Exception as e:  # the signature moved between releases
                    print(f"varlen_attn skipped: {e}")
    with open(args.out, "w") as f:
        json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    main()
