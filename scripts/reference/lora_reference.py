#!/usr/bin/env python3
"""PEFT + TRL's DPO with LoRA on weights/tiny, starting from jdpo's own adapter.

jdpo says its `train --lora-r` is DPO with low-rank adapters as TRL's DPOTrainer runs it with a
`peft_config`: only the adapters train, and the reference log-probs come from the same model
with the adapters switched off. This script records what PEFT and TRL do, for LoraReferenceTest
to compare with jdpo (so CI needs no Python):

- `peft_loads_jdpo`: PEFT loads src/test/resources/fixtures/lora/jdpo-random/ (an adapter jdpo
  wrote, B not zero) onto weights/tiny; the summed log-probs it then gives a few texts;
- `training`: TRL's DPOTrainer with `peft_config` (r=4, alpha=8 on c_attn, c_proj, c_fc), whose
  fresh adapter is overwritten with jdpo's initial one (fixtures/lora/initial/, PEFT's
  initialization drawn by jdpo's seeded generator) before training starts, so both start alike;
  the metrics TRL logs at every step, and the adapter it ends with, saved by PEFT's
  save_pretrained as fixtures/lora/trl-trained/;
- `trained_logps`: the summed log-probs of the same texts under TRL's trained adapter, so jdpo
  loading PEFT's file can be checked to give them.

Every step covers all 8 pairs in one batch (the data order cannot change the gradient), in float32
(bf16=False; TRL's default would autocast to bfloat16).

    python scripts/reference/lora_reference.py > src/test/resources/fixtures/lora/lora-reference.json

Needs torch, transformers, datasets, peft and trl (pip install torch transformers peft trl).
"""
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import peft
import torch
import transformers
import trl
from datasets import Dataset
from peft import LoraConfig, PeftModel, set_peft_model_state_dict
from safetensors.torch import load_file
from transformers import GPT2LMHeadModel, GPT2Tokenizer
from trl import DPOConfig, DPOTrainer

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "weights" / "tiny"
FIXTURES = ROOT / "src" / "test" / "resources" / "fixtures" / "lora"
PAIRS = 8
METRICS = ["loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen",
           "logps/rejected", "logits/chosen", "logits/rejected", "entropy", "mean_token_accuracy", "num_tokens",
           "grad_norm", "learning_rate"]

# The adapter jdpo's fixtures/lora/initial/ holds, and the training settings; jdpo_args says the same
# as ./jdpo train flags.
LORA = dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj", "c_fc"], lora_dropout=0.0)
TRAIN = dict(optim="adamw_torch", learning_rate=5e-3, weight_decay=0.0, lr_scheduler_type="constant", warmup_steps=0,
             max_grad_norm=1.0, max_steps=4, beta=0.1)
JDPO_ARGS = ["--lora-r", "4", "--lora-alpha", "8", "--lora-targets", "c_attn,c_proj,c_fc", "--lora-dropout", "0",
             "--optimizer", "adamw", "--lr", "0.005", "--weight-decay", "0.0", "--lr-schedule", "constant",
             "--warmup-steps", "0", "--max-grad-norm", "1.0", "--max-steps", "4", "--beta", "0.1",
             "--batch-size", str(PAIRS), "--grad-accum", "1"]


def pairs(lo=0, hi=PAIRS):
    with open(TINY / "pairs.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()][lo:hi]


def texts():
    """Prompt + chosen of the first four pairs, as token ids."""
    tok = GPT2Tokenizer.from_pretrained(str(TINY))
    return [tok(p["prompt"] + p["chosen"])["input_ids"] for p in pairs(0, 4)]


@torch.no_grad()
def summed_logps(model, ids_list):
    """log p(ids[t] | ids[:t]) summed over t >= 1, for each text."""
    out = []
    for ids in ids_list:
        x = torch.tensor([ids])
        logits = model(input_ids=x).logits[0, :-1].double()
        lp = torch.log_softmax(logits, dim=-1).gather(1, x[0, 1:, None]).sum().item()
        out.append(lp)
    return out


def peft_loads_jdpo(ids_list):
    base = GPT2LMHeadModel.from_pretrained(str(TINY))
    model = PeftModel.from_pretrained(base, str(FIXTURES / "jdpo-random"))
    model.eval()
    return summed_logps(model, ids_list)


def train(ids_list):
    torch.manual_seed(0)
    model = GPT2LMHeadModel.from_pretrained(str(TINY))
    tok = GPT2Tokenizer.from_pretrained(str(TINY))
    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(output_dir=out, logging_steps=1, save_strategy="no", report_to=[], seed=42, use_cpu=True,
                         max_length=None, disable_tqdm=True, bf16=False, per_device_train_batch_size=PAIRS,
                         gradient_accumulation_steps=1, **TRAIN)
        trainer = DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(pairs()), processing_class=tok,
                             peft_config=LoraConfig(task_type="CAUSAL_LM", **LORA))
        # Start from jdpo's initial adapter instead of the one PEFT just drew with torch's generator.
        initial = load_file(str(FIXTURES / "initial" / "adapter_model.safetensors"))
        result = set_peft_model_state_dict(trainer.model, initial)
        assert not result.unexpected_keys, result.unexpected_keys
        assert not [k for k in result.missing_keys if "lora_" in k], result.missing_keys
        with contextlib.redirect_stdout(io.StringIO()):  # the Trainer prints its log dicts
            trainer.train()
        # Record the base model as the repository names it, not by this machine's path.
        trainer.model.peft_config["default"].base_model_name_or_path = "weights/tiny"
        trainer.model.save_pretrained(str(FIXTURES / "trl-trained"))
        (FIXTURES / "trl-trained" / "README.md").unlink()  # PEFT's model card template; nothing to compare
        trainer.model.eval()
        trained = summed_logps(trainer.model, ids_list)
        with trainer.model.disable_adapter():
            base = summed_logps(trainer.model, ids_list)
    logged = [h for h in trainer.state.log_history if "rewards/chosen" in h]
    metrics = [{"step": h["step"], **{k: float(h[k]) for k in METRICS}} for h in logged]
    return metrics, trained, base


def main():
    torch.set_num_threads(1)
    ids_list = texts()
    metrics, trained, base = train(ids_list)
    result = {"made_by": f"peft {peft.__version__}, trl {trl.__version__}, transformers {transformers.__version__}, "
                         f"torch {torch.__version__}",
              "model": "weights/tiny", "pairs": PAIRS, "texts": ids_list,
              "base_logps": base,
              "peft_loads_jdpo": {"adapter": "jdpo-random", "logps": peft_loads_jdpo(ids_list)},
              "training": {"lora": LORA, "trl_settings": TRAIN, "initial_adapter": "initial",
                           "trained_adapter": "trl-trained", "jdpo_args": JDPO_ARGS, "metrics": metrics},
              "trained_logps": trained}
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
