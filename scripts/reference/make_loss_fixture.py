#!/usr/bin/env python3
"""Reference values for jdpo's preference losses, from PyTorch autograd in float64.

Each case gives the four sequence log-probs of one pair, beta, label smoothing and the
reference-free flag; the script records the loss as TRL 1.13's DPOTrainer defines it (written
out below in torch, term for term as TRL writes it), the implied rewards, and d loss / d policy
log-probs from autograd. `batch_cases` do the same for the AOT losses, which sort across a batch.
cdpo is TRL's old sigmoid with label smoothing (TRL 1.x's sigmoid ignores label smoothing);
exo_pair without label smoothing is left out, as TRL refuses it.

    python scripts/reference/make_loss_fixture.py \
        > src/test/resources/fixtures/dpo/loss_cases.json
"""
import json
import math

import torch
import torch.nn.functional as F


def loss_of(kind, pc, pr, rc, rr, beta, ls, reference_free):
    if reference_free:
        rc = rr = torch.zeros((), dtype=torch.float64)
    u = pc - rc
    w = pr - rr
    z = (pc - pr) - (rc - rr)
    x = beta * z
    if kind == "sigmoid":
        return -F.logsigmoid(x)
    if kind in ("cdpo", "aot", "aot_unpaired"):  # a batch of one: the sort changes nothing
        return -F.logsigmoid(x) * (1 - ls) - F.logsigmoid(-x) * ls
    if kind == "robust":
        return (-F.logsigmoid(x) * (1 - ls) + F.logsigmoid(-x) * ls) / (1 - 2 * ls)
    if kind == "hinge":
        return torch.relu(1 - x)
    if kind == "ipo":
        return (z - 1 / (2 * beta)) ** 2
    if kind == "exo_pair":
        e = ls
        return x.sigmoid() * (F.logsigmoid(x) - math.log(1 - e)) + (-x).sigmoid() * (F.logsigmoid(-x) - math.log(e))
    if kind == "nca_pair":
        cr, rj = beta * u, beta * w
        return -F.logsigmoid(cr) - 0.5 * F.logsigmoid(-cr) - 0.5 * F.logsigmoid(-rj)
    if kind == "bco_pair":
        return -F.logsigmoid(beta * u) - F.logsigmoid(-beta * w)
    if kind == "discopop":
        g = torch.sigmoid(x / DISCOPOP_TAU)
        return -F.logsigmoid(x) * (1 - g) + torch.exp(-x) * g
    if kind == "sppo_hard":
        return (u - 0.5 / beta) ** 2 + (w + 0.5 / beta) ** 2
    if kind == "apo_zero":
        return 1 - torch.sigmoid(beta * u) + torch.sigmoid(beta * w)
    if kind == "apo_down":
        return torch.sigmoid(beta * u) + 1 - torch.sigmoid(beta * (u - w))
    raise ValueError(kind)


DISCOPOP_TAU = 0.05
KINDS = ["sigmoid", "cdpo", "robust", "hinge", "ipo", "exo_pair", "nca_pair", "bco_pair", "sppo_hard", "apo_zero",
         "apo_down", "aot", "aot_unpaired", "discopop"]
# (pc, pr, rc, rr, beta, label smoothing, reference-free)
POINTS = [
    (-10.0, -12.0, -11.0, -11.5, 0.1, 0.0, False),   # z = 1.5, the worked example of docs/ARCHITECTURE.md
    (-10.0, -12.0, -11.0, -11.5, 0.1, 0.1, False),
    (-35.25, -20.5, -33.0, -24.75, 0.5, 0.2, False),  # z = -6.5
    (-3.0, -7.5, -9.0, -2.0, 2.0, 0.05, True),
    (-120.0, -80.0, -100.0, -90.0, 0.01, 0.0, False),
]


def main():
    cases = []
    for kind in KINDS:
        for pc0, pr0, rc0, rr0, beta, ls, free in POINTS:
            if kind == "exo_pair" and ls == 0:
                continue
            pc = torch.tensor(pc0, dtype=torch.float64, requires_grad=True)
            pr = torch.tensor(pr0, dtype=torch.float64, requires_grad=True)
            rc = torch.tensor(rc0, dtype=torch.float64)
            rr = torch.tensor(rr0, dtype=torch.float64)
            loss = loss_of(kind, pc, pr, rc, rr, beta, ls, free)
            loss.backward()
            cases.append({
                "loss_type": kind, "beta": beta, "label_smoothing": ls, "reference_free": free,
                "policy_chosen_logps": pc0, "policy_rejected_logps": pr0,
                "ref_chosen_logps": rc0, "ref_rejected_logps": rr0,
                "loss": loss.item(),
                "grad_policy_chosen": pc.grad.item(), "grad_policy_rejected": pr.grad.item(),
                "chosen_reward": beta * (pc0 - rc0), "rejected_reward": beta * (pr0 - rr0),
            })
    print(json.dumps({"torch": torch.__version__, "cases": cases, "batch_cases": batch_cases()}, indent=1))


def batch_cases():
    """aot and aot_unpaired on a batch of 5, as TRL 1.13 writes them (torch.sort across the batch)."""
    pc0 = [-10.0, -14.5, -8.25, -20.0, -11.0]
    pr0 = [-12.0, -13.0, -9.5, -17.75, -15.0]
    rc0 = [-11.0, -13.5, -9.0, -19.0, -12.5]
    rr0 = [-11.5, -14.0, -9.25, -18.5, -14.0]
    out = []
    for kind, beta, ls in [("aot", 0.5, 0.0), ("aot", 0.3, 0.1), ("aot_unpaired", 0.5, 0.0), ("aot_unpaired", 0.3, 0.1)]:
        pc = torch.tensor(pc0, dtype=torch.float64, requires_grad=True)
        pr = torch.tensor(pr0, dtype=torch.float64, requires_grad=True)
        rc, rr = torch.tensor(rc0, dtype=torch.float64), torch.tensor(rr0, dtype=torch.float64)
        if kind == "aot":
            delta = torch.sort(pc - pr, dim=0)[0] - torch.sort(rc - rr, dim=0)[0]
        else:
            delta = torch.sort(pc - rc, dim=0)[0] - torch.sort(pr - rr, dim=0)[0]
        losses = -F.logsigmoid(beta * delta) * (1 - ls) - F.logsigmoid(-beta * delta) * ls
        loss = losses.mean()
        loss.backward()
        out.append({"loss_type": kind, "beta": beta, "label_smoothing": ls,
                    "policy_chosen_logps": pc0, "policy_rejected_logps": pr0,
                    "ref_chosen_logps": rc0, "ref_rejected_logps": rr0, "loss": loss.item(),
                    "grad_policy_chosen": pc.grad.tolist(), "grad_policy_rejected": pr.grad.tolist()})
    return out


if __name__ == "__main__":
    main()
