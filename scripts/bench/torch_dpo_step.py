#!/usr/bin/env python3
"""Times one DPO training step in PyTorch at the shapes `jdpo bench --config` uses, so the two can
be compared on the same machine and thread count.

The step: policy forward over the chosen and rejected rows, reference forward (no grad), sigmoid
DPO loss (beta 0.1), backward, gradient clipping at 1.0, AdamW. Random weights, random tokens.
The model is written out here (GPT-2: pre-LayerNorm blocks, causal attention, gelu tanh, tied
LM head), float32.

Run with Debian's PyTorch (`apt-get install python3-torch libopenblas0-pthread`; without the
OpenBLAS package Debian's torch falls back to a reference BLAS that is many times slower):

    /usr/bin/python3 scripts/bench/torch_dpo_step.py --config gpt2 --pairs 2 --seq-len 128 --threads 2

or with a PyTorch 2.x wheel from pip (MKL and oneDNN inside), in a virtual environment:

    venv/bin/python scripts/bench/torch_dpo_step.py --config gpt2 --pairs 2 --seq-len 128 --threads 2

The JSON names the threads PyTorch used (intra-op `threads`, `interop_threads`) next to its version
and the BLAS it was built with, as `jdpo bench` names its own `--threads`.
"""
import argparse
import json
import math
import os
import time

import torch
import torch.nn.functional as F

CONFIGS = {
    "gpt2": dict(n_layer=12, n_head=12, n_embd=768, n_positions=1024, vocab_size=50257),
    "tiny": dict(n_layer=4, n_head=4, n_embd=128, n_positions=64, vocab_size=1024),
}


class Block(torch.nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln_1 = torch.nn.LayerNorm(c)
        self.c_attn = torch.nn.Linear(c, 3 * c)
        self.c_proj = torch.nn.Linear(c, c)
        self.ln_2 = torch.nn.LayerNorm(c)
        self.c_fc = torch.nn.Linear(c, 4 * c)
        self.mlp_proj = torch.nn.Linear(4 * c, c)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.h)
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt2(torch.nn.Module):
    def __init__(self, n_layer, n_head, n_embd, n_positions, vocab_size):
        super().__init__()
        self.wte = torch.nn.Embedding(vocab_size, n_embd)
        self.wpe = torch.nn.Embedding(n_positions, n_embd)
        self.h = torch.nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = torch.nn.LayerNorm(n_embd)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.T


def sequence_logps(logits, ids, mask):
    logp = logits[:, :-1].log_softmax(-1).gather(2, ids[:, 1:, None]).squeeze(2)
    return (logp * mask[:, 1:]).sum(-1)


def loaded_blas():
    """The BLAS libraries this process has mapped (Debian's torch calls whatever libblas.so.3 is)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return None
    return ", ".join(sorted({os.path.basename(os.path.realpath(p)) for p in paths})) or None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="gpt2", choices=CONFIGS)
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--steps", type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    cfg = CONFIGS[args.config]
    policy, reference = Gpt2(**cfg), Gpt2(**cfg)
    reference.load_state_dict(policy.state_dict())
    reference.requires_grad_(False)
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-6, weight_decay=0.0)
    rows, t = 2 * args.pairs, args.seq_len
    ids = torch.randint(0, cfg["vocab_size"] - 1, (rows, t))
    mask = torch.zeros(rows, t)
    mask[:, t // 2:] = 1.0  # the second half of each row is the response
    phases = dict(policy_forward=0.0, reference_forward=0.0, backward=0.0, optimizer=0.0)
    total = 0.0
    for step in range(args.steps + 1):  # the first step warms up
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        pi = sequence_logps(policy(ids), ids, mask)
        t1 = time.perf_counter()
        with torch.no_grad():
            ref = sequence_logps(reference(ids), ids, mask)
        t2 = time.perf_counter()
        b = args.pairs
        z = (pi[:b] - ref[:b]) - (pi[b:] - ref[b:])
        loss = -F.logsigmoid(0.1 * z).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        if step > 0:
            phases["policy_forward"] += t1 - t0
            phases["reference_forward"] += t2 - t1
            phases["backward"] += t3 - t2
            phases["optimizer"] += t4 - t3
            total += t4 - t0
    n = args.steps
    blas = "mkl" if torch.backends.mkl.is_available() else "openblas" if "openblas" in torch.__config__.show().lower() else "other"
    if blas == "other":
        blas = loaded_blas() or blas
    out = dict(config=args.config, pairs=args.pairs, seq_len=t, threads=torch.get_num_threads(),
               interop_threads=torch.get_num_interop_threads(), blas=blas, torch=torch.__version__,
               seconds=total / n, tokens_per_s=rows * t * n / total, **{k: v / n for k, v in phases.items()})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
