"""The native policy model against transformers' Qwen2ForCausalLM on random weights.

For each config below: build Qwen2ForCausalLM from the config with a seed (biases and norm
weights randomised too, so every parameter matters), write its weights in our parameter
layout (order printed by `tx_model_logprobs layout`), a batch of random token sequences of
different lengths, run `tx_model_logprobs run` on the CPU and on CUDA (packed, one call),
and compare each token's log-prob and the entropy of its predictive distribution with the
same numbers from transformers in float64 (each sequence run alone, positions from 0).
Writes JSON with the max relative error, |ours - ref| / max(1, |ref|), per device (cpu,
cuda, and cuda-bf16: CUDA with bf16 forward weights).

    python3 benchmarks/gpu/qwen2_parity.py --tool build-gpu/tx_model_logprobs --out result.json

Needs torch and transformers; no Node. CUDA rows are "skipped" (with the reason) when the
tool reports the device unusable (exit status 3).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np
import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

# Head dim 64 or 128 (the CUDA attention's sizes); GQA; both output-head paths of the model
# (vocab <= 8192: materialised logits; larger: the fused linear_logprobs), tied and untied.
CONFIGS = [
    dict(vocab_size=1000, hidden_size=256, intermediate_size=704, num_hidden_layers=3, num_attention_heads=4,
         num_key_value_heads=2, max_position_embeddings=512, rope_theta=1e6, rms_norm_eps=1e-6, tie_word_embeddings=True),
    dict(vocab_size=12000, hidden_size=512, intermediate_size=1376, num_hidden_layers=2, num_attention_heads=4,
         num_key_value_heads=1, max_position_embeddings=512, rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=False),
]
# Qwen2.5-0.5B's exact shapes (vocab 151,936, hidden 896, 24 layers, 14 heads, 2 KV heads):
# the shape users arrive with (--qwen25-05b; run.sh passes it on a GPU, where the float64
# reference runs in seconds).
QWEN25_05B = dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                  num_attention_heads=14, num_key_value_heads=2, max_position_embeddings=32768,
                  rope_theta=1e6, rms_norm_eps=1e-6, tie_word_embeddings=True)
LENGTHS = [1, 7, 33, 128, 300]
# Relative with the floor 1, against the f64 reference: f32 model; bf16 forward weights
# (inputs and weights of the layer GEMMs rounded to 8 mantissa bits; head f32).
TOLERANCE = {"cpu": 1e-4, "cuda": 1e-4, "cuda-bf16": 5e-2}


def build_reference(cfg, seed):
    torch.manual_seed(seed)
    config = Qwen2Config(**cfg, attn_implementation="eager", use_sliding_window=False)
    # transformers >= 5 keeps RoPE settings in rope_parameters; make sure theta landed there too.
    rope = getattr(config, "rope_parameters", None)
    if isinstance(rope, dict):
        rope["rope_theta"] = cfg["rope_theta"]
    model = Qwen2ForCausalLM(config).double().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0.0, 0.02)
            elif "norm" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
    return model


def layout(tool, work):
    out = subprocess.run([tool, "layout", work], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.strip().splitlines():
        name, *shape = line.split()
        rows.append((name, [int(s) for s in shape]))
    return rows


def write_inputs(model, cfg, rows, work, seed):
    state = model.state_dict()
    chunks = []
    for name, shape in rows:
        t = state[name]
        assert list(t.shape) == shape, f"{name}: ours {shape}, transformers {list(t.shape)}"
        chunks.append(t.detach().cpu().float().numpy().reshape(-1))
    np.concatenate(chunks).astype("<f4").tofile(os.path.join(work, "params.f32"))
    rng = np.random.default_rng(seed)
    seqs = [rng.integers(0, cfg["vocab_size"], size=n, dtype=np.int32) for n in LENGTHS]
    np.concatenate(seqs).astype("<i4").tofile(os.path.join(work, "tokens.i32"))
    np.array([0] + list(np.cumsum(LENGTHS)), dtype="<i4").tofile(os.path.join(work, "cu_seqlens.i32"))
    return seqs


def reference(model, seqs, device):
    """Per token: log p(token | earlier tokens) and the entropy of that distribution (0 for a first token)."""
    model = model.to(device)
    logp, ent = [], []
    with torch.no_grad():
        for s in seqs:
            ids = torch.tensor(s, dtype=torch.long, device=device)[None]
            logits = model(input_ids=ids).logits[0].double()  # [T, V]
            lsm = torch.log_softmax(logits, dim=-1)
            lp = torch.zeros(len(s), dtype=torch.float64, device=device)
            en = torch.zeros(len(s), dtype=torch.float64, device=device)
            if len(s) > 1:
                lp[1:] = lsm[:-1].gather(-1, ids[0, 1:, None]).squeeze(-1)
                en[1:] = -(lsm[:-1].exp() * lsm[:-1]).sum(-1)
            logp.append(lp.cpu().numpy())
            ent.append(en.cpu().numpy())
    return np.concatenate(logp), np.concatenate(ent)


def rel_err(ours, ref):
    return float(np.max(np.abs(ours.astype(np.float64) - ref) / np.maximum(1.0, np.abs(ref))))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tool", default="build-gpu/tx_model_logprobs")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--qwen25-05b", action="store_true", help="also compare on Qwen2.5-0.5B's shapes")
    args = p.parse_args()
    configs = CONFIGS + ([QWEN25_05B] if args.qwen25_05b else [])
    ref_device = "cuda" if torch.cuda.is_available() else "cpu"
    import transformers

    result = {
        "what": "native model per-token logp and entropy vs transformers Qwen2ForCausalLM (float64), random weights",
        "metric": "max |ours - ref| / max(1, |ref|)",
        "tolerance": TOLERANCE,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "host": platform.node(),
        "lengths": LENGTHS,
        "seed": args.seed,
        "cases": [],
    }
    ok = True
    for i, cfg in enumerate(configs):
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "model.cfg"), "w") as f:
                for k, v in cfg.items():
                    f.write(f"{k} {int(v) if isinstance(v, bool) else v}\n")
            model = build_reference(cfg, args.seed + i)
            seqs = write_inputs(model, cfg, layout(args.tool, work), work, args.seed + i)
            ref_lp, ref_ent = reference(model, seqs, ref_device)
            case = {"config": cfg, "devices": {}}
            for dev in ("cpu", "cuda", "cuda-bf16"):
                run = subprocess.run([args.tool, "run", work, dev], capture_output=True, text=True)
                if run.returncode == 3:
                    case["devices"][dev] = {"skipped": True, "reason": run.stderr.strip()}
                    continue
                if run.returncode != 0:
                    case["devices"][dev] = {"passed": False, "error": run.stderr.strip()}
                    ok = False
                    continue
                lp = np.fromfile(os.path.join(work, f"logp_{dev}.f32"), dtype="<f4")
                en = np.fromfile(os.path.join(work, f"entropy_{dev}.f32"), dtype="<f4")
                e_lp, e_en = rel_err(lp, ref_lp), rel_err(en, ref_ent)
                passed = bool(max(e_lp, e_en) < TOLERANCE[dev] and np.all(np.isfinite(lp)))
                ok = ok and passed
                case["devices"][dev] = {"maxRelErrLogp": e_lp, "maxRelErrEntropy": e_en,
                                        "maxAbsErrLogp": float(np.max(np.abs(lp - ref_lp))), "passed": passed}
            print(json.dumps(case), flush=True)
            result["cases"].append(case)
            result["passed"] = ok
            # Written after every config: a run cut by its time limit keeps what it compared.
            with open(args.out, "w") as f:
                json.dump(result, f, indent=2)
    print(f"wrote {args.out}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
