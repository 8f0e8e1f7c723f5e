#!/usr/bin/env python3
"""Reference numbers for jdpo's optimizers and gradient clipping, from torch.optim (float32).

Three small parameters (one decayed, two not, as Hugging Face's Trainer groups a weight, a
bias and a LayerNorm weight) take several steps with given gradients and learning rates; the
script records the weights and the AdamW moments after every step, SGD's weights, and
clip_grad_norm_'s total norm and clipped gradients.

    /usr/bin/python3 scripts/reference/make_optim_fixture.py \
        > src/test/resources/fixtures/optim/torch_optim.json
"""
import json

import torch

SHAPES = {"h.0.mlp.c_fc.weight": (3, 4), "h.0.mlp.c_fc.bias": (4,), "ln_f.weight": (5,)}
DECAYED = {"h.0.mlp.c_fc.weight"}
LRS = [1e-3, 2e-3, 5e-4, 1e-3, 3e-2]


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def make_values(gen):
    return {n: torch.randn(s, generator=gen, dtype=torch.float32) for n, s in SHAPES.items()}


def make_grads(gen, steps):
    grads = []
    for step in range(steps):
        g = {n: torch.randn(s, generator=gen, dtype=torch.float32) * 0.05 for n, s in SHAPES.items()}
        # Exercise eps: an exact zero, a tiny gradient, and a large one.
        g["h.0.mlp.c_fc.bias"][0] = 0.0
        g["ln_f.weight"][1] = 1e-9 * (step + 1)
        g["h.0.mlp.c_fc.weight"][2, 3] = 3.0
        grads.append(g)
    return grads


def run(optimizer_factory, values, grads):
    params = {n: torch.nn.Parameter(v.clone()) for n, v in values.items()}
    decay = [p for n, p in params.items() if n in DECAYED]
    no_decay = [p for n, p in params.items() if n not in DECAYED]
    opt = optimizer_factory(decay, no_decay)
    after = []
    for step, g in enumerate(grads):
        for group in opt.param_groups:
            group["lr"] = LRS[step]
        for n, p in params.items():
            p.grad = g[n].clone()
        opt.step()
        record = {"params": {n: flat(p) for n, p in params.items()}}
        if isinstance(opt, torch.optim.AdamW):
            record["exp_avg"] = {n: flat(opt.state[p]["exp_avg"]) for n, p in params.items()}
            record["exp_avg_sq"] = {n: flat(opt.state[p]["exp_avg_sq"]) for n, p in params.items()}
        after.append(record)
    return after


def adamw(betas, eps, weight_decay):
    def factory(decay, no_decay):
        return torch.optim.AdamW(
            [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=LRS[0], betas=betas, eps=eps, foreach=False)
    return factory


def sgd(decay, no_decay):
    return torch.optim.SGD(decay + no_decay, lr=LRS[0])


def clip_case(gen, max_norm):
    grads = {n: torch.randn(s, generator=gen, dtype=torch.float32) * 0.3 for n, s in SHAPES.items()}
    params = []
    for n, g in grads.items():
        p = torch.nn.Parameter(torch.zeros(SHAPES[n]))
        p.grad = g.clone()
        params.append(p)
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return {"max_norm": max_norm, "grads": {n: flat(g) for n, g in grads.items()},
            "total_norm": float(norm), "clipped": {n: flat(p.grad) for n, p in zip(grads, params)}}


def main():
    gen = torch.Generator().manual_seed(20240611)
    values = make_values(gen)
    grads = make_grads(gen, len(LRS))
    out = {
        "torch": torch.__version__,
        "shapes": {n: list(s) for n, s in SHAPES.items()},
        "decayed": sorted(DECAYED),
        "lrs": LRS,
        "initial": {n: flat(v) for n, v in values.items()},
        "grads": [{n: flat(t) for n, t in g.items()} for g in grads],
        "adamw": {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.1,
                  "after": run(adamw((0.9, 0.999), 1e-8, 0.1), values, grads)},
        "adamw_other": {"betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.01,
                        "after": run(adamw((0.8, 0.99), 1e-6, 0.01), values, grads)},
        "sgd": {"after": run(sgd, values, grads)},
        "clip": [clip_case(gen, 0.5), clip_case(gen, 100.0)],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
