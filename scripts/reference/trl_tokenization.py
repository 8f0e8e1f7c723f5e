#!/usr/bin/env python3
"""How TRL 1.x's DPOTrainer turns text pairs into token ids, recorded for jdpo's tests.

TRL 1.x appends the tokenizer's eos_token *as text* to each response (unless it already ends
with it), tokenizes the prompt alone and `prompt + response` as one text, and takes the
response ids as what follows the prompt's ids. transformers' tokenizer turns the literal text
`<|endoftext|>` into the special token wherever it appears. With max_length set (truncation
keep_start, TRL's default), a pair whose prompt alone has max_length tokens or more is dropped
and the rows prompt + response are cut to max_length.

This script builds 40 varied pairs (responses without a leading space, prompts ending in a
space, digits, apostrophes and punctuation across the boundary, newlines, accents, the literal
`<|endoftext|>`), lets TRL's DPOTrainer prepare them with weights/tiny's vocabulary and with
GPT-2's (weights/gpt2; the model there is a small random GPT-2 of the same vocabulary, as only
the tokenizer matters), and records TRL's prompt_ids / chosen_ids / rejected_ids and, for a
short max_length, which pairs TRL keeps and the rows its collator builds. PairEncoderTrlTest
compares jdpo with these, so CI needs no Python:

    python scripts/reference/trl_tokenization.py > src/test/resources/fixtures/interop/trl-tokenization.json

Needs torch, transformers, datasets and trl (pip install torch transformers trl).
"""
import contextlib
import io
import json
import logging
import random
import sys
import tempfile
from pathlib import Path

import torch
import transformers
import trl
from datasets import Dataset
from transformers import GPT2Config, GPT2LMHeadModel, GPT2Tokenizer
from trl import DPOConfig, DPOTrainer

ROOT = Path(__file__).resolve().parents[2]
EOT = "<|endoftext|>"

# (prompt, chosen, rejected): the boundary cases by hand first, then seeded combinations.
HAND = [
    ("The movie was", "great.", " bad."),                    # no leading space on one response
    ("The movie was ", "great", "bad"),                      # prompt ends in a space
    ("The movie was ", " great", "awful"),
    ("It cost 1", "00 dollars", "5 dollars"),                # digits across the boundary
    ("Rated 3", ".5 stars", " stars"),
    ("Wait", "... what?", "!"),                              # punctuation across the boundary
    ("He said \"", "hi\"", "no\""),
    ("I don", "'t know", "'t care"),                         # contractions across the boundary
    ("it", "'s fine", "'ll do"),
    ("Q:\n", "\nA: yes", "A: no"),                           # newlines
    ("line  ", " two", "\tthree"),
    ("caf", "\u00e9 au lait", "e noir"),                     # a character's bytes across the boundary
    ("na\u00ef", "ve", " view"),
    ("Doc one" + EOT, " Doc two", "Doc three"),               # the literal special token in data
    ("Hello", " world" + EOT, " there"),                      # a response that already ends with it
    ("Hello", " a" + EOT + "b", " c"),                        # one inside a response
    ("", "Starts the text", " also"),                         # empty prompt
    ("A long prompt that goes on", " and on", " yes"),       # leading spaces as usual
]
WORDS = ["the", "film", "was", "great", "bad", "2024", "3.14", "1,000", "don't", "it's", "!", "?", "...", ",",
         "(", ")", "\"", "'", "-", "$", "caf\u00e9", "\u00fcber", "\u4e2d\u6587", "\U0001F600", "\n", " ", "  "]
PAIRS = 40
SHORT_MAX_LENGTH = 12


def varied_pairs():
    rng = random.Random(13)
    out = [{"prompt": p, "chosen": c, "rejected": r} for p, c, r in HAND]

    def text(n):
        return "".join(rng.choice(WORDS) + rng.choice(["", " ", ""]) for _ in range(n))

    while len(out) < PAIRS:
        out.append({"prompt": text(rng.randint(1, 6)), "chosen": text(rng.randint(1, 4)),
                    "rejected": text(rng.randint(1, 4))})
    for p in out:  # TRL needs a non-empty response
        p["chosen"] = p["chosen"] or "x"
        p["rejected"] = p["rejected"] or "y"
    return out


def prepared(model, tok, pairs, max_length=None):
    """TRL's own dataset preparation, and its collator's rows when max_length is set."""
    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(output_dir=out, report_to=[], use_cpu=True, bf16=False, max_length=max_length,
                         dataset_num_proc=None)
        with contextlib.redirect_stdout(io.StringIO()):
            trainer = DPOTrainer(model=model, args=args, train_dataset=Dataset.from_list(pairs), processing_class=tok)
    data = trainer.train_dataset
    rows = [{"prompt": ex["prompt"], "prompt_ids": ex["prompt_ids"], "chosen_ids": ex["chosen_ids"],
             "rejected_ids": ex["rejected_ids"]} for ex in data]
    if max_length is not None:
        for r in rows:
            batch = trainer.data_collator([{k: r[k] for k in ("prompt_ids", "chosen_ids", "rejected_ids")}])
            ids, mask = batch["input_ids"], batch["attention_mask"]
            r["chosen_row"] = ids[0][mask[0].bool()].tolist()
            r["rejected_row"] = ids[1][mask[1].bool()].tolist()
    return rows


def main():
    logging.getLogger("trl").setLevel(logging.ERROR)  # the prompt/prompt+completion mismatch warnings
    torch.manual_seed(0)
    pairs = varied_pairs()
    tiny_tok = GPT2Tokenizer.from_pretrained(str(ROOT / "weights" / "tiny"))
    tiny = GPT2LMHeadModel.from_pretrained(str(ROOT / "weights" / "tiny"))
    gpt2_tok = GPT2Tokenizer.from_pretrained(str(ROOT / "weights" / "gpt2"))
    random_gpt2 = tempfile.TemporaryDirectory()  # TRL builds its reference model from the model's directory
    GPT2LMHeadModel(GPT2Config(vocab_size=len(gpt2_tok), n_embd=8, n_layer=1, n_head=1)).save_pretrained(random_gpt2.name)
    gpt2 = GPT2LMHeadModel.from_pretrained(random_gpt2.name)
    result = {
        "made_by": f"trl {trl.__version__}, transformers {transformers.__version__}, torch {torch.__version__}",
        "note": "TRL's DPOTrainer dataset preparation (text eos appended, prompt + response tokenized together)",
        "pairs": pairs,
        "vocabularies": {
            "weights/tiny": prepared(tiny, tiny_tok, pairs),
            "weights/gpt2": prepared(gpt2, gpt2_tok, pairs),
        },
        "max_length": SHORT_MAX_LENGTH,
        # With max_length set: which pairs TRL keeps (by prompt) and the rows it trains on.
        "short": prepared(tiny, tiny_tok, pairs, SHORT_MAX_LENGTH),
    }
    json.dump(result, sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
