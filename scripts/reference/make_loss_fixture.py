#!/usr/bin/env python3
"""Reference values for jdpo's preference losses, from PyTorch autograd in float64.

Each case gives the four sequence log-probs of one pair, beta, label smoothing and the
reference-free flag; the script records the loss as TRL's DPOTrainer.dpo_loss defines it,
the implied rewards, and d loss / d policy log-probs from autograd.

    /usr/bin/python3 scripts/reference/make_loss_fixture.py \
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
        return -F.logsigmoid(x) * (1 - ls) - F.logsigmoid(-x) * ls
    if kind == "robust":
        return (-F.logsigmoid(x) * (1 - ls) + F.logsigmoid(-x) * ls) / (1 - 2 * ls)
    if kind == "hinge":
        return torch.relu(1 - x)
    if kind == "ipo":
        return (z - 1 / (2 * beta)) ** 2
    if kind == "exo_pair":
        e = 1e-3 if ls == 0 else ls
        return x.sigmoid() * (F.logsigmoid(x) - math.log(1 - e)) + (-x).sigmoid() * (F.logsigmoid(-x) - math.log(e))
    if kind == "nca_pair":
        cr, rj = beta * u, beta * w
        return -F.logsigmoid(cr) - 0.5 * F.logsigmoid(-cr) - 0.5 * F.logsigmoid(-rj)
    if kind == "sppo_hard":
        return (u - 0.5 / beta) ** 2 + (w + 0.5 / beta) ** 2
    if kind == "apo_zero":
        return 1 - torch.sigmoid(beta * u) + torch.sigmoid(beta * w)
    if kind == "apo_down":
        return torch.sigmoid(beta * u) + 1 - torch.sigmoid(beta * (u - w))
    raise ValueError(kind)


KINDS = ["sigmoid", "robust", "hinge", "ipo", "exo_pair", "nca_pair", "sppo_hard", "apo_zero", "apo_down"]
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
    print(json.dumps({"torch": torch.__version__, "cases": cases}, indent=1))


if __name__ == "__main__":
    main()
