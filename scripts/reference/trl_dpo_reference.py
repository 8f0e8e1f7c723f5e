#!/usr/bin/env python3
"""TRL's own DPOTrainer on weights/tiny: the metrics it logs and how far it moves each weight.

jdpo says its `train` is DPO as TRL does it, under TRL's metric names. This script runs TRL's
DPOTrainer (with Hugging Face's Trainer, AdamW or SGD, clipping, schedule) on the first 8 pairs
of weights/tiny/pairs.jsonl and records, for each run:

- `jdpo_args`: the `./jdpo train` flags that mean the same settings;
- `metrics`: what TRL logged at every step (loss, rewards/*, logps/*, logits/*, entropy,
  mean_token_accuracy, num_tokens, grad_norm, learning_rate);
- `weight_change_norms`: for every parameter, the L2 norm of (weights after - weights before).

Every step covers all 8 pairs (one batch, or two micro-batches of 4 with gradient accumulation),
so the data order (TRL shuffles with its own generator) cannot change the gradient. TRL's DPOConfig defaults to bf16=True (bfloat16 autocast, even on a CPU); jdpo
computes in float32, so the runs here set bf16=False to compare like with like. TrlReferenceTest runs jdpo with the same flags and compares, so CI needs no
Python:

    python scripts/reference/trl_dpo_reference.py > src/test/resources/fixtures/interop/trl-dpo.json

Needs torch, transformers, datasets and trl (pip install torch transformers trl).
"""
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import torch
import transformers
import trl
from datasets import Dataset
from transformers import GPT2LMHeadModel, GPT2Tokenizer
from trl import DPOConfig, DPOTrainer

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "weights" / "tiny"
PAIRS = 8
METRICS = ["loss", "epoch", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen",
           "logps/rejected", "logits/chosen", "logits/rejected", "entropy", "mean_token_accuracy", "num_tokens",
           "grad_norm", "learning_rate"]

def sgd(lr=0.2, steps=2, **more):
    """SGD at a constant learning rate, no clipping: the runs that compare losses."""
    return dict(optim="sgd", learning_rate=lr, weight_decay=0.0, lr_scheduler_type="constant", warmup_steps=0,
                max_grad_norm=0.0, max_steps=steps, beta=0.1, **more)


def adamw(schedule="constant", warmup=0, weight_decay=0.0, steps=3, **more):
    """AdamW with gradient clipping at 1."""
    return dict(optim="adamw_torch", learning_rate=1e-3, weight_decay=weight_decay, lr_scheduler_type=schedule,
                warmup_steps=warmup, max_grad_norm=1.0, max_steps=steps, beta=0.1, **more)


# name -> TRL/Trainer settings (jdpo_flags gives the same as ./jdpo train flags)
RUNS = {
    "adamw-linear-warmup": adamw(schedule="linear", warmup=1, steps=4),
    "sgd-constant": sgd(steps=3),
    "adamw-weight-decay": adamw(schedule="cosine", weight_decay=0.1),
    "sgd-precompute-ref": sgd(precompute_ref_log_probs=True),
    # The NLL term on chosen responses: TRL 1.x adds it as the "sft" loss with a weight, jdpo as --rpo-alpha.
    "sgd-sigmoid-plus-nll": sgd(loss_type=["sigmoid", "sft"], loss_weights=[1.0, 0.5]),
    # Two micro-batches of 4 pairs per step. TRL's shuffle and jdpo's split the 8 pairs differently;
    # the gradient and the pair-averaged metrics do not depend on the split (KEEP_ONLY below).
    "adamw-grad-accum": adamw(per_device_train_batch_size=4, gradient_accumulation_steps=2),
}

# Metrics of a run that depend on how the pairs are split into micro-batches (token-weighted per
# micro-batch, then averaged) are left out of it.
KEEP_ONLY = {"adamw-grad-accum": ["loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                                  "logps/chosen", "logps/rejected", "num_tokens", "grad_norm", "learning_rate"],
             "adamw-grad-accum-epoch-end": ["epoch", "learning_rate"]}
# Runs whose weight changes depend on the shuffle: no weight_change_norms, only the data's total
# num_tokens after the last step.
ORDER_DEPENDENT = {"adamw-grad-accum-epoch-end"}

# Rows of weights/tiny/pairs.jsonl each run trains on (default: the first PAIRS).
TRAIN_ROWS = {"adamw-grad-accum-epoch-end": list(range(12)), "sgd-grad-accum-epoch-end-one-pair": [0] * 12}

# Runs written with TRL's flag names instead of jdpo's.
TRL_SPELLING = {"adamw-grad-accum-epoch-end"}

# TRL 1.13's sigmoid does not read label_smoothing (jdpo's cDPO is --loss cdpo, which TRL 1.x lacks).
RUNS["sgd-sigmoid-ignores-label-smoothing"] = sgd(loss_type=["sigmoid"], label_smoothing=0.1)
# discopop's temperature away from its default, so that the flag is checked too.
RUNS["sgd-discopop-tau"] = sgd(loss_type=["discopop"], discopop_tau=0.5)
# aot sorts the log-ratios across the batch: every step's batch holds all 8 pairs, so the sort sees
# the same pairs in TRL and in jdpo.
# The end of an epoch with gradient accumulation: 12 pairs, batches of 4, 2 per step, 1 epoch. The
# Trainer makes 2 steps, the last of one micro-batch (loss divided by 1, not 2), and never reaches
# into a second epoch. Which 8 pairs step 1 sees depends on the shuffle (TRL's and jdpo's differ), so
# for 12 different pairs only what does not depend on it is kept; with 12 copies of one pair
# everything is compared. This run is also spelled with TRL's flag names (TRL_SPELLING).
RUNS["adamw-grad-accum-epoch-end"] = adamw(schedule="linear", steps=-1, per_device_train_batch_size=4,
                                           gradient_accumulation_steps=2, num_train_epochs=1)
RUNS["sgd-grad-accum-epoch-end-one-pair"] = sgd(steps=-1, per_device_train_batch_size=4,
                                                gradient_accumulation_steps=2, num_train_epochs=1)
# Evaluation of 13 held-out pairs in batches of 4 (the last holds 1): eval_loss is the mean over
# pairs (the Trainer weights each batch by its rows), the other eval_* metrics are means of batch means.
RUNS["sgd-eval-short-batch"] = sgd(steps=1, per_device_eval_batch_size=4)
# Warm-up as a fraction of the steps: transformers 5.x spells it warmup_steps < 1 (jdpo: --warmup_ratio too).
RUNS["adamw-warmup-fraction"] = adamw(schedule="linear", warmup=0.5, steps=4)

# Every other loss jdpo offers, two SGD steps each (label smoothing where the loss reads it; sppo_hard's
# gradient is ~100 times larger at the start, so it gets a smaller step to stay out of chaos).
for loss, ls, lr in [("robust", 0.1, 0.2), ("ipo", 0.0, 0.2), ("hinge", 0.0, 0.2), ("exo_pair", 1e-3, 0.2),
                     ("nca_pair", 0.0, 0.2), ("sppo_hard", 0.0, 2e-3), ("apo_zero", 0.0, 0.2), ("apo_down", 0.0, 0.2),
                     ("bco_pair", 0.0, 0.2), ("aot", 0.0, 0.2), ("aot_unpaired", 0.1, 0.2), ("discopop", 0.0, 0.2)]:
    RUNS[f"sgd-{loss}"] = sgd(lr=lr, loss_type=[loss], label_smoothing=ls)


def jdpo_flags(t, trl_spelling=False):
    """The ./jdpo train flags that mean the same as TRL settings t (jdpo's names, or TRL's)."""
    def name(jdpo, trl):
        return "--" + trl if trl_spelling else jdpo

    flags = ["--optimizer", {"adamw_torch": "adamw", "sgd": "sgd"}[t["optim"]],
             name("--lr", "learning_rate"), str(t["learning_rate"])]
    if t["optim"] == "adamw_torch":
        flags += [name("--weight-decay", "weight_decay"), str(t["weight_decay"])]
    warmup = t["warmup_steps"]
    flags += [name("--lr-schedule", "lr_scheduler_type"), t["lr_scheduler_type"]]
    flags += [name("--warmup-ratio", "warmup_ratio"), str(warmup)] if 0 < warmup < 1 else [
        name("--warmup-steps", "warmup_steps"), str(warmup)]
    flags += [name("--max-grad-norm", "max_grad_norm"), str(t["max_grad_norm"]), "--beta", str(t["beta"]),
              name("--batch-size", "per_device_train_batch_size"), str(t.get("per_device_train_batch_size", PAIRS)),
              name("--grad-accum", "gradient_accumulation_steps"), str(t.get("gradient_accumulation_steps", 1))]
    if t["max_steps"] > 0:
        flags += [name("--max-steps", "max_steps"), str(t["max_steps"])]
    else:
        flags += [name("--epochs", "num_train_epochs"), str(t["num_train_epochs"])]
    if "per_device_eval_batch_size" in t:
        flags += [name("--eval-batch-size", "per_device_eval_batch_size"), str(t["per_device_eval_batch_size"])]
    if t.get("precompute_ref_log_probs"):
        flags.append("--precompute-ref")
    losses = t.get("loss_type", ["sigmoid"])
    if losses == ["sigmoid", "sft"]:
        flags += ["--rpo-alpha", str(t["loss_weights"][1])]
    else:
        (loss,) = losses
        flags += [name("--loss", "loss_type"), loss, name("--label-smoothing", "label_smoothing"),
                  str(t.get("label_smoothing", 0.0))]
    if "discopop_tau" in t:
        flags += ["--discopop-tau", str(t["discopop_tau"])]
    return flags


# Runs that also evaluate the final model on held-out pairs: TRL's evaluate(), jdpo's --eval-data.
EVAL_PAIRS = {"sgd-constant": (PAIRS, 2 * PAIRS), "sgd-eval-short-batch": (PAIRS, PAIRS + 13)}


def pairs(lo=0, hi=PAIRS):
    with open(TINY / "pairs.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()][lo:hi]


def rows(indices):
    every = pairs(0, max(indices) + 1)
    return [every[i] for i in indices]


def refusals():
    """Settings TRL refuses, with its message: jdpo refuses them too."""
    out = []
    for settings in [dict(loss_type=["exo_pair"], label_smoothing=0.0)]:
        model = GPT2LMHeadModel.from_pretrained(str(TINY))
        tok = GPT2Tokenizer.from_pretrained(str(TINY))
        with tempfile.TemporaryDirectory() as tmp:
            try:
                DPOTrainer(model=model, args=DPOConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False, **settings),
                           train_dataset=Dataset.from_list(pairs()), processing_class=tok)
                message = None
            except ValueError as e:
                message = str(e)
        out.append({"trl_settings": settings, "jdpo_args": ["--loss", settings["loss_type"][0], "--label-smoothing",
                                                             str(settings["label_smoothing"])], "trl_error": message})
    return out


def run(settings, names, eval_range=None, train_rows=None):
    torch.manual_seed(0)
    model = GPT2LMHeadModel.from_pretrained(str(TINY))
    tok = GPT2Tokenizer.from_pretrained(str(TINY))
    before = {n: p.detach().clone().double() for n, p in model.named_parameters()}
    with tempfile.TemporaryDirectory() as out:
        settings = {"per_device_train_batch_size": PAIRS, "gradient_accumulation_steps": 1, **settings}
        args = DPOConfig(output_dir=out, logging_steps=1, save_strategy="no", report_to=[], seed=42, use_cpu=True,
                         max_length=None, disable_tqdm=True, bf16=False, **settings)
        held_out = Dataset.from_list(pairs(*eval_range)) if eval_range else None
        train = rows(train_rows) if train_rows else pairs()
        trainer = DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(train), eval_dataset=held_out,
                             processing_class=tok)
        with contextlib.redirect_stdout(io.StringIO()):  # the Trainer prints its log dicts
            trainer.train()
            evaluated = trainer.evaluate() if eval_range else {}
    logged = [h for h in trainer.state.log_history if "rewards/chosen" in h]
    metrics = [{"step": h["step"], **{k: float(h[k]) for k in names}} for h in logged]
    total_tokens = float(logged[-1]["num_tokens"])
    changes = {n.removeprefix("transformer."): torch.linalg.vector_norm(p.detach().double() - before[n]).item()
               for n, p in model.named_parameters()}
    eval_names = ["loss"] + [n for n in METRICS if n not in ("loss", "epoch", "num_tokens", "grad_norm", "learning_rate")]
    eval_metrics = {f"eval_{n}": float(evaluated[f"eval_{n}"]) for n in eval_names} if eval_range else None
    return metrics, changes, eval_metrics, total_tokens


def main():
    torch.set_num_threads(1)
    result = {"made_by": f"trl {trl.__version__}, transformers {transformers.__version__}, torch {torch.__version__}",
              "model": "weights/tiny", "pairs": PAIRS, "batch_size": PAIRS, "runs": []}
    for name, settings in RUNS.items():
        metrics, changes, eval_metrics, total_tokens = run(settings, KEEP_ONLY.get(name, METRICS), EVAL_PAIRS.get(name),
                                                           TRAIN_ROWS.get(name))
        entry = {"name": name, "trl_settings": settings, "jdpo_args": jdpo_flags(settings, name in TRL_SPELLING),
                 "metrics": metrics}
        if name in TRAIN_ROWS:
            entry["train_rows"] = TRAIN_ROWS[name]
        if name in ORDER_DEPENDENT:
            entry["final_num_tokens"] = total_tokens
        else:
            entry["weight_change_norms"] = changes
        if eval_metrics:
            # After the last step, on pairs [lo, hi) of pairs.jsonl; jdpo logs them on the last step's line.
            entry["eval_pairs"] = list(EVAL_PAIRS[name])
            entry["eval_metrics"] = eval_metrics
        result["runs"].append(entry)
    result["refusals"] = refusals()
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
