# The PyTorch peer of benchmarks/rlstep.bench.ts: the same Qwen2 model (weights read from
# the same safetensors file) and the same RL step, timed in the same run as the engine.
# A benchmark only, never a test dependency. Usage: peer_torch.py IN.json OUT.json.
#
# Written as a PyTorch user would write it well, not as a strawman:
#  - generate: prefill each prompt once (padded batch), its K/V repeated for the n samples;
#    decode with a preallocated KV cache, one batched step per token. Rows are sorted by
#    the engine's completion lengths, so the rows still running are always a prefix and
#    finished rows cost nothing (the same work the engine does: the peer decodes exactly the
#    engine's token counts; sampled tokens differ, which changes no shape).
#  - reference log-probs and train: one padded batch, causal + key-padding mask, log_softmax
#    and gather; the GRPO loss (clipped ratio, k3 KL to the reference), backward, AdamW.
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F


def load_weights(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        t = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(info['shape'])
        out[name] = t.clone()
    return out


class Qwen2:
    def __init__(self, w, cfg, requires_grad=False):
        self.cfg = cfg
        self.L = cfg['num_hidden_layers']
        self.H = cfg['num_attention_heads']
        self.Hkv = cfg['num_key_value_heads']
        self.d = cfg['hidden_size']
        self.hd = self.d // self.H
        self.eps = cfg['rms_norm_eps']
        self.w = {k: v.clone().requires_grad_(requires_grad) for k, v in w.items()}
        self.embed = self.w['model.embed_tokens.weight']
        self.head = self.w.get('lm_head.weight', self.embed)
        half = self.hd // 2
        inv = 1.0 / (cfg['rope_theta'] ** (torch.arange(half, dtype=torch.float64) * 2 / self.hd))
        ang = torch.arange(cfg['max_position_embeddings'], dtype=torch.float64)[:, None] * inv[None, :]
        self.cos = ang.cos().float()
        self.sin = ang.sin().float()

    def params(self):
        return [v for k, v in self.w.items()]

    def rms(self, x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * g

    def rope(self, x, pos):  # x [..., T, heads, hd], pos [..., T]
        half = self.hd // 2
        c = self.cos[pos].unsqueeze(-2)
        s = self.sin[pos].unsqueeze(-2)
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1)

    def lin(self, x, name, bias=False):
        return F.linear(x, self.w[name + '.weight'], self.w[name + '.bias'] if bias else None)

    def mlp(self, x, p):
        return self.lin(F.silu(self.lin(x, p + 'mlp.gate_proj')) * self.lin(x, p + 'mlp.up_proj'), p + 'mlp.down_proj')

    def forward(self, tokens, pos, mask, caches=None):
        """Padded forward: tokens, pos [B, T]; mask [B, 1, T, T] additive. Returns final hidden [B, T, d]."""
        B, T = tokens.shape
        x = F.embedding(tokens, self.embed)
        for l in range(self.L):
            p = f'model.layers.{l}.'
            h = self.rms(x, self.w[p + 'input_layernorm.weight'])
            q = self.rope(self.lin(h, p + 'self_attn.q_proj', True).view(B, T, self.H, self.hd), pos).transpose(1, 2)
            k = self.rope(self.lin(h, p + 'self_attn.k_proj', True).view(B, T, self.Hkv, self.hd), pos).transpose(1, 2)
            v = self.lin(h, p + 'self_attn.v_proj', True).view(B, T, self.Hkv, self.hd).transpose(1, 2)
            if caches is not None:
                caches.append((k, v))
            s = q @ k.transpose(-1, -2) / math.sqrt(self.hd) + mask
            a = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, self.d)
            x = x + self.lin(a, p + 'self_attn.o_proj')
            x = x + self.mlp(self.rms(x, self.w[p + 'post_attention_layernorm.weight']), p)
        return self.rms(x, self.w['model.norm.weight'])


def padded(seqs):
    T = max(len(s) for s in seqs)
    tok = torch.zeros(len(seqs), T, dtype=torch.long)
    valid = torch.zeros(len(seqs), T, dtype=torch.bool)
    for i, s in enumerate(seqs):
        tok[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        valid[i, :len(s)] = True
    pos = torch.arange(T).expand(len(seqs), T)
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    allowed = causal[None, :, :] & valid[:, None, :]
    mask = torch.zeros(len(seqs), 1, T, T).masked_fill(~allowed[:, None], float('-inf'))
    return tok, pos, mask, valid


@torch.no_grad()
def generate(m, prompts, lengths, n, max_tokens, gen):
    B = len(prompts) * n
    order = sorted(range(B), key=lambda b: -lengths[b])
    src = torch.tensor([b // n for b in order])
    plen = torch.tensor([len(prompts[b // n]) for b in order])
    steps = max(lengths)
    tok, pos, mask, _ = padded(prompts)
    caches = []
    hid = m.forward(tok, pos, mask, caches)
    Pmax = tok.shape[1]
    tmax = Pmax + max_tokens
    kc, vc = [], []
    for k, v in caches:  # the prompt's K/V repeated for its n samples (rows in `order`)
        K = torch.zeros(B, m.Hkv, tmax, m.hd)
        Vv = torch.zeros(B, m.Hkv, tmax, m.hd)
        K[:, :, :Pmax] = k[src]
        Vv[:, :, :Pmax] = v[src]
        kc.append(K)
        vc.append(Vv)
    h = hid[src, plen - 1]  # [B, d]
    cur_len = torch.tensor(sorted(lengths, reverse=True))
    keys = torch.arange(tmax)
    for step in range(steps):
        act = int((cur_len > step).sum())
        logits = h[:act] @ m.head.t()
        lp = logits.log_softmax(-1)
        t = torch.multinomial(lp.exp(), 1, generator=gen)
        _ = lp.gather(1, t)
        if step + 1 == steps:
            break
        p = plen[:act] + step
        x = F.embedding(t[:, 0], m.embed)
        mask = torch.zeros(act, 1, 1, tmax).masked_fill((keys[None, :] > p[:, None])[:, None, None, :], float('-inf'))
        span = int(p.max()) + 1
        mask = mask[..., :span]
        rows = torch.arange(act)
        for l in range(m.L):
            pre = f'model.layers.{l}.'
            hh = m.rms(x, m.w[pre + 'input_layernorm.weight'])
            q = m.rope(m.lin(hh, pre + 'self_attn.q_proj', True).view(act, 1, m.H, m.hd), p[:, None])
            k = m.rope(m.lin(hh, pre + 'self_attn.k_proj', True).view(act, 1, m.Hkv, m.hd), p[:, None])
            v = m.lin(hh, pre + 'self_attn.v_proj', True).view(act, m.Hkv, m.hd)
            kc[l][rows, :, p] = k[:, 0]
            vc[l][rows, :, p] = v
            s = q.transpose(1, 2) @ kc[l][:act, :, :span].transpose(-1, -2) / math.sqrt(m.hd) + mask
            a = (s.softmax(-1) @ vc[l][:act, :, :span]).reshape(act, m.d)
            x = x + m.lin(a, pre + 'self_attn.o_proj')
            x = x + m.mlp(m.rms(x, m.w[pre + 'post_attention_layernorm.weight']), pre)
        h = m.rms(x, m.w['model.norm.weight'])


def batch_logp(m, seqs, targets_mask):
    tok, pos, mask, valid = padded(seqs)
    hid = m.forward(tok, pos, mask)
    lp = (hid[:, :-1] @ m.head.t()).log_softmax(-1).gather(2, tok[:, 1:, None])[..., 0]
    return lp, targets_mask[:, 1:]


def train_batch(tr):
    seqs = [p + c for p, c in zip(tr['prompts'], tr['completions'])]
    T = max(len(s) for s in seqs)
    tmask = torch.zeros(len(seqs), T, dtype=torch.bool)
    adv = torch.zeros(len(seqs), T)
    old = torch.zeros(len(seqs), T)
    for i, (p, c) in enumerate(zip(tr['prompts'], tr['completions'])):
        tmask[i, len(p):len(p) + len(c)] = True
        adv[i, len(p):len(p) + len(c)] = tr['advantages'][i]
        old[i, len(p):len(p) + len(c)] = torch.tensor(tr['oldLogp'][i])
    return seqs, tmask, adv[:, 1:], old[:, 1:]


def timed(fn, repeats):
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return {'bestMs': ts[0], 'medianMs': ts[len(ts) // 2]}


def main():
    inp = json.load(open(sys.argv[1]))
    torch.set_num_threads(inp['threads'])  # the engine's thread count: the same cores for both
    cfg = inp['config']
    w = load_weights(os.path.join(inp['checkpoint'], 'model.safetensors'))
    policy = Qwen2(w, cfg, requires_grad=True)
    ref = Qwen2(w, cfg)
    reps = inp['repeats']
    gen = torch.Generator().manual_seed(0)
    blas = '/usr/lib/x86_64-linux-gnu/libblas.so.3'  # Debian's torch calls the libblas alternative
    out = {'torch': {'version': torch.__version__, 'threads': torch.get_num_threads(),
                     'blas': os.path.realpath(blas) if os.path.exists(blas) else 'unknown'}}
    for key in ('plain', 'demos2'):
        g = inp['generate'][key]
        r = timed(lambda: generate(ref, g['prompts'], g['lengths'], g['n'], inp['maxTokens'], gen), reps)
        out['generate_' + key] = {**r, 'tokens': sum(g['lengths'])}
    tr = inp['train']
    seqs, tmask, adv, old = train_batch(tr)
    packed = sum(len(s) for s in seqs)
    loss_cfg = tr['loss']
    opt = torch.optim.AdamW(policy.params(), lr=0.0, weight_decay=0.0)

    def reference():
        with torch.no_grad():
            return batch_logp(ref, seqs, tmask)[0]

    def train(ref_lp):
        lp, mk = batch_logp(policy, seqs, tmask)
        ratio = (lp - old).exp()
        lo, hi = 1 - loss_cfg.get('clipLow', 0.2), 1 + loss_cfg.get('clipHigh', 0.2)
        pg = -torch.min(ratio * adv, ratio.clamp(lo, hi) * adv)
        if loss_cfg.get('klCoef', 0) > 0:
            dlt = ref_lp - lp
            pg = pg + loss_cfg['klCoef'] * (dlt.exp() - dlt - 1)
        loss = (pg * mk).sum() / mk.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.params(), 1.0)
        opt.step()

    out['reference'] = {**timed(reference, reps), 'tokens': packed}
    ref_lp = reference()
    out['train'] = {**timed(lambda: train(ref_lp), reps), 'tokens': packed}
    g = inp['generate']['plain']

    def step():
        generate(ref, g['prompts'], g['lengths'], g['n'], inp['maxTokens'], gen)
        train(reference())

    out['step'] = {**timed(step, reps), 'tokens': sum(g['lengths'])}
    json.dump(out, open(sys.argv[2], 'w'))


main()
