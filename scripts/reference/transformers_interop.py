#!/usr/bin/env python3
"""Hugging Face transformers reads what jdpo writes, and computes the same numbers.

weights/tiny was written by jdpo itself (`./jdpo sft`: config.json, model.safetensors,
vocab.json, merges.txt). This script loads it with transformers' own GPT2LMHeadModel and
GPT2Tokenizer, fails if any tensor is missing, unexpected or of the wrong shape, and records
for a few preference pairs of weights/tiny/pairs.jsonl (each response followed by
<|endoftext|>, as TRL builds its sequences) the token ids and the log-prob of every response
token. It also encodes 300 varied strings with transformers' GPT2Tokenizer on weights/tiny's
vocabulary (which jdpo trained) and on GPT-2's (weights/gpt2). TransformersInteropTest compares
jdpo with these numbers, so CI needs no Python:

    python scripts/reference/transformers_interop.py \
        > src/test/resources/fixtures/interop/tiny-transformers.json

With --check DIR [DIR ...] it instead loads each directory (any that jdpo wrote: a `train`,
`sft` output or a demo's `policy/`) and compares transformers with `./jdpo logprobs --json` right away.

Needs torch and transformers (pip install torch transformers).
"""
import argparse
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import torch
import transformers
from transformers import GPT2LMHeadModel, GPT2Tokenizer

ROOT = Path(__file__).resolve().parents[2]
PAIRS = 4
STRINGS = 300

# Pieces for varied text: words, contractions, numbers, punctuation, whitespace runs, accents,
# CJK, Arabic, emoji (with joiners, skin tones, flags), control characters.
PIECES = ["the", "The", "movie", " film", "was", "great", "don't", "it's", "we'll", "I'm", "you've", "they'd",
          "2024", "3.14", "1,000,000", "42", "!", "?", "...", ",", ";", "(", ")", "\"", "'", "--", "$", "%",
          " ", "  ", "   ", "\n", "\n\n", "\t", " \n ", "\r\n", "café", "naïve", "Über", "ñandú", "中文", "日本語の",
          "한국어", "العربية", "עברית", "Ελληνικά", "😀", "👩‍👩‍👧", "👍🏽", "🇫🇷", "\x00", "\x1b[0m", "\u200b",
          "def f(x):", "    return x", "{\"a\": 1}", "<b>", "http://example.com/a?b=c", "HELLO", "wOrLd"]


def load(directory):
    model, info = GPT2LMHeadModel.from_pretrained(str(directory), output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems:
        sys.exit(f"{directory}: transformers reports {problems}")
    model.eval()
    return model, GPT2Tokenizer.from_pretrained(str(directory))


def response_logprobs(model, prompt_ids, response_ids):
    """log P(response token j | prompt, earlier response tokens), from transformers' logits."""
    ids = torch.tensor([prompt_ids + response_ids])
    with torch.no_grad():
        logits = model(ids).logits[0].double()
    lp = torch.log_softmax(logits, dim=-1)
    n = len(prompt_ids)
    return [lp[n + j - 1, t].item() for j, t in enumerate(response_ids)]


def fixture():
    directory = ROOT / "weights" / "tiny"
    model, tok = load(directory)
    cases = []
    with open(directory / "pairs.jsonl", encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f if line.strip()][:PAIRS]
    for pair in pairs:
        for response in (pair["chosen"], pair["rejected"]):
            prompt_ids = tok.encode(pair["prompt"])
            response_ids = tok.encode(response) + [tok.eos_token_id]
            cases.append({
                "prompt": pair["prompt"],
                "response": response,
                "prompt_ids": prompt_ids,
                "response_ids": response_ids,
                "logprobs": response_logprobs(model, prompt_ids, response_ids),
            })
    rng = random.Random(2024)
    strings = ["".join(rng.choice(PIECES) + (" " if rng.random() < 0.5 else "") for _ in range(rng.randint(1, 12)))
               for _ in range(STRINGS)]
    gpt2_tok = GPT2Tokenizer.from_pretrained(str(ROOT / "weights" / "gpt2"))
    tokenizer_cases = [{"text": t, "tiny_ids": tok.encode(t), "gpt2_ids": gpt2_tok.encode(t)} for t in strings]
    weights = (directory / "model.safetensors").read_bytes()
    head = {
        "made_by": f"transformers {transformers.__version__}, torch {torch.__version__}",
        "model": "weights/tiny",
        "model_safetensors_sha256": hashlib.sha256(weights).hexdigest(),
        "eos_token_id": tok.eos_token_id,
    }
    # One case a line, so that a change shows as a change of that case.
    out = ["{"] + [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    for name, rows in (("cases", cases), ("tokenizer_cases", tokenizer_cases)):
        out.append(f" {json.dumps(name)}: [")
        out.extend("  " + json.dumps(r) + ("," if i < len(rows) - 1 else "") for i, r in enumerate(rows))
        out.append(" ]," if name == "cases" else " ]")
    out.append("}")
    sys.stdout.write("\n".join(out) + "\n")


def check(directories):
    prompt, response = "Honestly , the music in this one was", " wonderful ."
    worst = 0.0
    for directory in directories:
        model, tok = load(directory)
        prompt_ids, response_ids = tok.encode(prompt), tok.encode(response)
        theirs = response_logprobs(model, prompt_ids, response_ids)
        ours = json.loads(subprocess.run(
            [str(ROOT / "jdpo"), "logprobs", "--model", str(directory), "--prompt", prompt, "--response", response,
             "--json"], capture_output=True, text=True, check=True).stdout)
        if ours["prompt_ids"] != prompt_ids or [t["id"] for t in ours["tokens"]] != response_ids:
            sys.exit(f"{directory}: token ids differ: jdpo {ours['prompt_ids']} {[t['id'] for t in ours['tokens']]}, "
                     f"transformers {prompt_ids} {response_ids}")
        diff = max(abs(t["logprob"] - x) for t, x in zip(ours["tokens"], theirs))
        worst = max(worst, diff)
        print(f"{directory}: loads as GPT2LMHeadModel, same ids, max |log-prob difference| {diff:.2e}")
    if worst > 1e-4:
        sys.exit(f"log-probs differ by {worst:.2e} > 1e-4")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", nargs="+", metavar="DIR", help="model directories jdpo wrote, to compare now")
    args = parser.parse_args()
    check(args.check) if args.check else fixture()
