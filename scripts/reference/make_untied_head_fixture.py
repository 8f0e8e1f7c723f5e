#!/usr/bin/env python3
"""Two small GPT-2s that transformers saves with "tie_word_embeddings": false.

jdpo's GPT-2 uses the token embedding wte as its output head (GPT-2 ties them). A model whose
config unties them and whose lm_head.weight differs from wte would give other numbers in jdpo
than in transformers, so jdpo refuses it; when the untied head happens to equal wte, the two
models compute the same thing and jdpo accepts it. This script writes both, with
transformers' own save_pretrained, into src/test/resources/fixtures/untied/:

    untied-different/   lm_head.weight != wte.weight   (jdpo must refuse it)
    untied-equal/       lm_head.weight == wte.weight   (jdpo loads it)

plus versions.json (torch and transformers versions) and, for untied-different, the log-prob
transformers gives token 3 after [1, 2] with the real head and with wte in its place, to show
how far apart they are. The tokenizer files are copied from fixtures/dpo/policy (257 tokens).

    /tmp/venv/bin/python scripts/reference/make_untied_head_fixture.py
"""
import json
import shutil
from pathlib import Path

import torch
import transformers
from transformers import GPT2Config, GPT2LMHeadModel

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src/test/resources/fixtures/untied"
TOKENIZER = ROOT / "src/test/resources/fixtures/dpo/policy"


def model(seed, equal_head):
    torch.manual_seed(seed)
    config = GPT2Config(n_layer=1, n_head=2, n_embd=8, n_positions=16, vocab_size=257,
                        bos_token_id=256, eos_token_id=256, tie_word_embeddings=False)
    m = GPT2LMHeadModel(config).eval()
    with torch.no_grad():
        if equal_head:
            m.lm_head.weight.copy_(m.transformer.wte.weight)
        else:
            m.lm_head.weight.normal_(0.0, 0.5)
    assert m.lm_head.weight.data_ptr() != m.transformer.wte.weight.data_ptr(), "the head must be untied"
    return m


def logprob(m, head):
    with torch.no_grad():
        hidden = m.transformer(torch.tensor([[1, 2]])).last_hidden_state[0, -1].double()
        return torch.log_softmax(hidden @ head.double().T, dim=-1)[3].item()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    record = {"torch": torch.__version__, "transformers": transformers.__version__}
    for name, equal in (("untied-different", False), ("untied-equal", True)):
        m = model(7, equal)
        d = OUT / name
        if d.exists():
            shutil.rmtree(d)
        m.save_pretrained(d, safe_serialization=True)
        for f in ("vocab.json", "merges.txt"):
            shutil.copy(TOKENIZER / f, d / f)
        config = json.loads((d / "config.json").read_text())
        assert config["tie_word_embeddings"] is False, config
        if not equal:
            record["untied_different_logprob_token3_after_1_2"] = logprob(m, m.lm_head.weight)
            record["untied_different_logprob_with_wte_as_head"] = logprob(m, m.transformer.wte.weight)
    (OUT / "versions.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
