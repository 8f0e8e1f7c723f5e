#!/usr/bin/env python3
"""How TRL splits implicit-prompt preference pairs, for PreferenceDataTest.

TRL's preference datasets may leave out "prompt": then "chosen" and "rejected" both start with
it (Anthropic's hh-rlhf is written so), and TRL's extract_prompt splits it off. This script runs
TRL's own function on edge cases and records the split:

    python scripts/reference/trl_extract_prompt.py > src/test/resources/fixtures/interop/trl-extract-prompt.json

Needs trl (pip install trl).
"""
import json
import sys

import trl
from trl import extract_prompt

CASES = [
    ("\n\nHuman: What is the capital of France?\n\nAssistant: Paris.",
     "\n\nHuman: What is the capital of France?\n\nAssistant: I don't know."),
    ("The sky is blue.", "The sky is green."),        # a space before the first difference
    ("The sky is  blue.", "The sky is  green."),      # two spaces: only one moves
    ("The sky is\nblue.", "The sky is\ngreen."),      # a newline does not move
    ("abc", "abcdef"),                                # one is a prefix of the other
    ("abcdef", "abc"),
    ("same text", "same text"),                       # equal
    ("我喜欢猫。", "我喜欢狗。"),                         # CJK
    ("I feel 😀 today", "I feel 😃 today"),            # differ in an emoji's second UTF-16 unit
    ("x 😀", "x 😀!"),                                  # an emoji is the shorter one's last character
    ("abc", "xyz"),                                   # no common prefix
]


def main():
    out = []
    for chosen, rejected in CASES:
        split = extract_prompt({"chosen": chosen, "rejected": rejected})
        out.append({"in_chosen": chosen, "in_rejected": rejected, **split})
    json.dump({"made_by": f"trl {trl.__version__} extract_prompt", "cases": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
