#!/usr/bin/env python3
"""A model directory as transformers 5.x saves it, and what transformers computes from it.

transformers 5.x's GPT2Tokenizer.save_pretrained writes tokenizer.json (the `tokenizers`
library's file: vocabulary, merges, added tokens) and tokenizer_config.json, and no
vocab.json / merges.txt. This script loads weights/tiny with GPT2LMHeadModel and GPT2Tokenizer,
saves both with save_pretrained, and keeps the small files of the result under
src/test/resources/fixtures/interop/transformers5-tiny/ (config.json, tokenizer.json,
tokenizer_config.json; model.safetensors is left out, as it holds the same tensors as
weights/tiny's, which the script checks). It reloads the saved directory and records, in
expected.json, the token ids and the log-prob of every response token for a few pairs of
weights/tiny/pairs.jsonl. Transformers5DirectoryTest loads the directory with jdpo, so CI
needs no Python:

    python scripts/reference/transformers5_saved.py

With --check DIR [DIR ...] it instead loads each directory jdpo wrote (a `train` or `sft`
output) through AutoTokenizer, which picks transformers' fast tokenizer from tokenizer.json,
and compares its ids with `./jdpo tokenize` on varied strings.

Needs torch and transformers (pip install torch transformers).
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
import transformers
from safetensors.torch import load_file
from transformers import AutoTokenizer, GPT2LMHeadModel, GPT2Tokenizer

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src" / "test" / "resources" / "fixtures" / "interop" / "transformers5-tiny"
KEEP = ["config.json", "tokenizer.json", "tokenizer_config.json"]
PAIRS = 3
STRINGS = ["Honestly , the music in this one was wonderful .", "they'd1,000,000 caf\u00e9 \U0001F600 <|endoftext|>x",
           "  two  spaces\nand a newline\r\n", "The movie was great<|endoftext|>", "\u4e2d\u6587 na\u00efve 3.14"]


def response_logprobs(model, prompt_ids, response_ids):
    ids = torch.tensor([prompt_ids + response_ids])
    with torch.no_grad():
        lp = torch.log_softmax(model(ids).logits[0].double(), dim=-1)
    n = len(prompt_ids)
    return [lp[n + j - 1, t].item() for j, t in enumerate(response_ids)]


def fixture():
    tiny = ROOT / "weights" / "tiny"
    with tempfile.TemporaryDirectory() as tmp:
        GPT2LMHeadModel.from_pretrained(str(tiny)).save_pretrained(tmp)
        GPT2Tokenizer.from_pretrained(str(tiny)).save_pretrained(tmp)
        saved = sorted(p.name for p in Path(tmp).iterdir())
        if "vocab.json" in saved or "merges.txt" in saved:
            sys.exit(f"transformers {transformers.__version__} wrote {saved}: not the case this fixture is for")
        ours, theirs = load_file(str(tiny / "model.safetensors")), load_file(str(Path(tmp) / "model.safetensors"))
        for name, t in theirs.items():
            if not torch.equal(t, ours[name.removeprefix("transformer.")] if name.removeprefix("transformer.") in ours
                               else ours[name]):
                sys.exit(f"{name} differs from weights/tiny's")
        model = GPT2LMHeadModel.from_pretrained(tmp)
        model.eval()
        tok = GPT2Tokenizer.from_pretrained(tmp)
        OUT.mkdir(parents=True, exist_ok=True)
        for name in KEEP:
            shutil.copy(Path(tmp) / name, OUT / name)
    with open(tiny / "pairs.jsonl", encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f if line.strip()][:PAIRS]
    cases = []
    for pair in pairs:
        prompt_ids = tok.encode(pair["prompt"])
        response_ids = tok.encode(pair["chosen"]) + [tok.eos_token_id]
        cases.append({"prompt": pair["prompt"], "response": pair["chosen"], "prompt_ids": prompt_ids,
                      "response_ids": response_ids, "logprobs": response_logprobs(model, prompt_ids, response_ids)})
    expected = {"made_by": f"transformers {transformers.__version__}, torch {torch.__version__}",
                "saved_files": saved, "kept": KEEP,
                "weights": "model.safetensors as saved holds weights/tiny's tensors, bit for bit",
                "cases": cases,
                # transformers' tokenizer turns the text <|endoftext|> into the special token.
                "strings": [{"text": s, "ids": tok.encode(s)} for s in STRINGS]}
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({', '.join(KEEP)}, expected.json) from transformers {transformers.__version__}; it saved {saved}")


def check(directories):
    for directory in directories:
        tok = AutoTokenizer.from_pretrained(str(directory))
        if not tok.is_fast:
            sys.exit(f"{directory}: AutoTokenizer gave a slow tokenizer ({type(tok).__name__})")
        for s in STRINGS:
            ours = json.loads(subprocess.run([str(ROOT / "jdpo"), "tokenize", "--model", str(directory), "--allow-special",
                                              "--json", s], capture_output=True, text=True, check=True).stdout)["ids"]
            theirs = tok.encode(s)
            if ours != theirs:
                sys.exit(f"{directory}: {s!r}: jdpo {ours}, transformers {theirs}")
        print(f"{directory}: AutoTokenizer ({type(tok).__name__}, transformers {transformers.__version__}) gives jdpo's ids "
              f"on {len(STRINGS)} strings")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", nargs="+", metavar="DIR", help="model directories jdpo wrote, to compare now")
    args = parser.parse_args()
    check(args.check) if args.check else fixture()
