#!/usr/bin/python3
"""Reference numbers for jdpo's tests, computed by an independent GPT-2 written here in PyTorch.

Run from anywhere:  /usr/bin/python3 scripts/reference/make_fixtures.py
Needs only torch (tested with 1.13) and numpy. Writes src/test/resources/fixtures/ (see the
README.md there). The output is deterministic: weights come from numpy's seeded legacy
generator, PyTorch runs on one CPU thread, and files are written byte for byte the same way.

The model follows Hugging Face's GPT2LMHeadModel: token + position embeddings, pre-LayerNorm
blocks (causal self-attention with scale 1/sqrt(head size), then an MLP with the tanh GELU),
a final LayerNorm, and logits = h @ wte^T (the LM head is tied to the token embedding). Conv1D
weights are [in, out] and applied as x @ W + b, as in Hugging Face checkpoints.
"""

import json
import math
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src" / "test" / "resources" / "fixtures"
IGNORE = -100


# ----------------------------------------------------------------------------------------------
# safetensors, written by hand in the reference writer's layout

def write_safetensors(path, tensors, metadata=None):
    """u64 LE header length, compact JSON header padded with spaces to a multiple of 8, then the
    F32 data of each tensor in sorted-name order (as the reference writer orders equal dtypes)."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name in sorted(tensors):
        a = np.asarray(tensors[name], dtype="<f4")  # (ascontiguousarray would make a scalar 1-d)
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    back = read_safetensors(path)
    assert list(back) == sorted(tensors)
    for name, a in tensors.items():
        assert np.array_equal(back[name], np.asarray(a, dtype=np.float32)), name


def read_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + begin:8 + n + end], dtype="<f4").reshape(info["shape"])
    return out


def write_json(path, obj, indent=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# GPT-2

def param_shapes(cfg):
    """Hugging Face names and shapes, in the order GPT2Model registers them."""
    C, V, P = cfg["n_embd"], cfg["vocab_size"], cfg["n_positions"]
    shapes = {"wte.weight": (V, C), "wpe.weight": (P, C)}
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        shapes[h + "ln_1.weight"] = (C,)
        shapes[h + "ln_1.bias"] = (C,)
        shapes[h + "attn.c_attn.weight"] = (C, 3 * C)
        shapes[h + "attn.c_attn.bias"] = (3 * C,)
        shapes[h + "attn.c_proj.weight"] = (C, C)
        shapes[h + "attn.c_proj.bias"] = (C,)
        shapes[h + "ln_2.weight"] = (C,)
        shapes[h + "ln_2.bias"] = (C,)
        shapes[h + "mlp.c_fc.weight"] = (C, 4 * C)
        shapes[h + "mlp.c_fc.bias"] = (4 * C,)
        shapes[h + "mlp.c_proj.weight"] = (4 * C, C)
        shapes[h + "mlp.c_proj.bias"] = (C,)
    shapes["ln_f.weight"] = (C,)
    shapes["ln_f.bias"] = (C,)
    return shapes


def is_layer_norm(name):
    return ".ln_" in name or name.startswith("ln_")


def init_params(cfg, seed):
    """Random weights large enough that attention and next-token softmaxes are far from uniform."""
    rng = np.random.RandomState(seed)
    params = {}
    for name, shape in param_shapes(cfg).items():
        noise = rng.standard_normal(shape)
        if name in ("wte.weight", "wpe.weight"):
            value = 0.3 * noise
        elif is_layer_norm(name) and name.endswith(".weight"):
            value = 1.0 + 0.1 * noise
        elif is_layer_norm(name):
            value = 0.1 * noise
        elif name.endswith(".bias"):
            value = 0.1 * noise
        else:
            value = 0.15 * noise
        params[name] = torch.tensor(value.astype(np.float32), requires_grad=True)
    return params


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def forward(params, cfg, ids):
    """ids [B, T] -> logits [B, T, V]."""
    B, T = ids.shape
    C, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    hs = C // H
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    x = params["wte.weight"][ids] + params["wpe.weight"][torch.arange(T)]
    for i in range(cfg["n_layer"]):
        p = lambda n: params[f"h.{i}.{n}"]  # noqa: E731
        a = F.layer_norm(x, (C,), p("ln_1.weight"), p("ln_1.bias"), eps)
        q, k, v = (a @ p("attn.c_attn.weight") + p("attn.c_attn.bias")).split(C, dim=2)
        q, k, v = (t.view(B, T, H, hs).transpose(1, 2) for t in (q, k, v))  # [B, H, T, hs]
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        att = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + (y @ p("attn.c_proj.weight") + p("attn.c_proj.bias"))
        m = F.layer_norm(x, (C,), p("ln_2.weight"), p("ln_2.bias"), eps)
        x = x + (gelu_new(m @ p("mlp.c_fc.weight") + p("mlp.c_fc.bias")) @ p("mlp.c_proj.weight")
                 + p("mlp.c_proj.bias"))
    x = F.layer_norm(x, (C,), params["ln_f.weight"], params["ln_f.bias"], eps)
    return x @ params["wte.weight"].T


def config_json(cfg):
    V = cfg["vocab_size"]
    return {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "bos_token_id": cfg.get("bos_token_id", V - 1),
        "eos_token_id": cfg.get("eos_token_id", V - 1),
        "layer_norm_epsilon": cfg["layer_norm_epsilon"],
        "model_type": "gpt2",
        "n_ctx": cfg["n_positions"],
        "n_embd": cfg["n_embd"],
        "n_head": cfg["n_head"],
        "n_layer": cfg["n_layer"],
        "n_positions": cfg["n_positions"],
        "torch_dtype": "float32",
        "vocab_size": V,
    }


def numpy_params(params):
    return {n: p.detach().numpy().copy() for n, p in params.items()}


def old_style_state_dict(cfg, params):
    """As older transformers versions saved GPT2LMHeadModel: the `transformer.` prefix, the causal
    mask buffers attn.bias [1, 1, P, P] and attn.masked_bias (-1e4), and lm_head.weight = wte."""
    P = cfg["n_positions"]
    out = {"transformer." + n: a for n, a in numpy_params(params).items()}
    for i in range(cfg["n_layer"]):
        out[f"transformer.h.{i}.attn.bias"] = np.tril(np.ones((P, P), dtype=np.float32)).reshape(1, 1, P, P)
        out[f"transformer.h.{i}.attn.masked_bias"] = np.array(-1e4, dtype=np.float32)
    out["lm_head.weight"] = out["transformer.wte.weight"].copy()
    return out


# ----------------------------------------------------------------------------------------------
# GPT-2 fixtures: logits, token log-probs, a cross-entropy loss and every gradient

GPT2_CONFIGS = [
    dict(name="odd36", n_layer=2, n_head=3, n_embd=36, vocab_size=53, n_positions=16, B=2, T=7,
         layer_norm_epsilon=1e-5, seed=3601, prompt_len=3, response_len=4, prefixed=False),
    dict(name="prefixed", n_layer=3, n_head=2, n_embd=16, vocab_size=67, n_positions=12, B=3, T=12,
         layer_norm_epsilon=1e-5, seed=1612, prompt_len=5, response_len=7, prefixed=True),
    dict(name="wide", n_layer=1, n_head=4, n_embd=32, vocab_size=101, n_positions=32, B=1, T=5,
         layer_norm_epsilon=1e-6, seed=3204, prompt_len=2, response_len=3, prefixed=False),
]


def make_inputs(cfg, rng):
    B, T, V = cfg["B"], cfg["T"], cfg["vocab_size"]
    ids = rng.randint(0, V, size=(B, T))
    targets = np.full((B, T), IGNORE)
    targets[:, :-1] = ids[:, 1:]
    # Ignore a few positions in the middle and at the end of rows; the last position never has
    # a next token. Row 0 keeps a masked position in its middle.
    drop = rng.rand(B, T) < 0.25
    drop[0, T // 2] = True
    drop[0, 0] = False
    targets[drop] = IGNORE
    targets[:, -1] = IGNORE
    prompt = rng.randint(0, V, size=cfg["prompt_len"])
    response = rng.randint(0, V, size=cfg["response_len"])
    return ids, targets, prompt, response


def token_logprobs(logits, targets):
    """log softmax(logits)[b, t, targets[b, t]], 0 where the target is ignored."""
    logp = torch.log_softmax(logits, dim=-1)
    picked = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return torch.where(targets == IGNORE, torch.zeros_like(picked), picked)


def make_gpt2_fixture(cfg):
    out = OUT / "gpt2" / cfg["name"]
    params = init_params(cfg, cfg["seed"])
    ids, targets, prompt, response = make_inputs(cfg, np.random.RandomState(cfg["seed"] + 1))

    ids_t = torch.tensor(ids)
    targets_t = torch.tensor(targets)
    logits = forward(params, cfg, ids_t)
    V = cfg["vocab_size"]
    loss = F.cross_entropy(logits.reshape(-1, V), targets_t.reshape(-1), ignore_index=IGNORE)
    loss.backward()

    with torch.no_grad():
        seq = torch.tensor(np.concatenate([prompt, response])[None, :])
        seq_logp = torch.log_softmax(forward(params, cfg, seq)[0], dim=-1)
        start = len(prompt)
        response_logprobs = torch.stack([seq_logp[start + j - 1, int(response[j])] for j in range(len(response))])
        tok = token_logprobs(logits, targets_t)
    scored = targets != IGNORE
    assert abs(-tok.numpy()[scored].mean() - loss.item()) < 1e-5

    expected = {
        "logits": logits.detach().numpy(),
        "token_logprobs": tok.numpy(),
        "loss": loss.detach().numpy(),
        "response_logprobs": response_logprobs.numpy(),
    }
    for n, p in params.items():
        expected["grad." + n] = p.grad.numpy()

    weights = old_style_state_dict(cfg, params) if cfg["prefixed"] else numpy_params(params)
    write_json(out / "config.json", config_json(cfg), indent=2)
    write_safetensors(out / "model.safetensors", weights, {"format": "pt"})
    write_json(out / "inputs.json", {
        "input_ids": ids.tolist(),
        "targets": targets.tolist(),
        "prompt_ids": prompt.tolist(),
        "response_ids": response.tolist(),
    })
    write_safetensors(out / "expected.safetensors", expected)
    print(f"gpt2/{cfg['name']}: loss {loss.item():.6f}, {int(scored.sum())} scored positions")


# ----------------------------------------------------------------------------------------------
# DPO fixtures

DPO_CONFIG = dict(n_layer=2, n_head=2, n_embd=24, vocab_size=257, n_positions=64,
                  layer_norm_epsilon=1e-5, bos_token_id=256, eos_token_id=256)
POLICY_SEED, REFERENCE_SEED = 2401, 2402
EOS = 256
BETA = 0.1
PAIRS = [
    {"prompt": "Q: 2+2? A:", "chosen": " four", "rejected": " five, surely"},
    {"prompt": "The movie was", "chosen": " great fun.", "rejected": " bad"},
    {"prompt": "Greet me:", "chosen": " hi there", "rejected": " go away!!"},
]
ADAMW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, steps=3)


def bytes_to_unicode():
    """GPT-2's reversible map from the 256 byte values to printable unicode characters."""
    # Printable bytes stand for themselves; the others are shifted to 256, 257, ... in byte order.
    byte_values = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    code_points = byte_values[:]
    shifted = 0
    for b in range(256):
        if b not in byte_values:
            byte_values.append(b)
            code_points.append(256 + shifted)
            shifted += 1
    return {b: chr(c) for b, c in zip(byte_values, code_points)}


def byte_level_vocab():
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}
    vocab["<|endoftext|>"] = EOS
    return vocab


def encode(text):
    """With this vocabulary and no merges, GPT-2 byte-level BPE gives one id per UTF-8 byte."""
    return list(text.encode("utf-8"))


def dpo_batch():
    """2B right-padded rows (chosen rows, then rejected rows) and the mask of scored tokens:
    mask[r, t] = 1 when token t of row r is a response token or the final eos."""
    rows, prompt_lengths = [], []
    for key in ("chosen", "rejected"):
        for pair in PAIRS:
            prompt = encode(pair["prompt"])
            rows.append(prompt + encode(pair[key]) + [EOS])
            prompt_lengths.append(len(prompt))
    T = max(len(r) for r in rows)
    ids = np.full((len(rows), T), EOS)
    mask = np.zeros((len(rows), T), dtype=np.int64)
    for r, row in enumerate(rows):
        ids[r, :len(row)] = row
        mask[r, prompt_lengths[r]:len(row)] = 1
    return ids, mask, prompt_lengths


def sequence_logps(params, ids, mask):
    """sum over scored t of log softmax(logits[t-1])[id_t], one number per row."""
    logits = forward(params, DPO_CONFIG, torch.tensor(ids))
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    picked = logp.gather(-1, torch.tensor(ids[:, 1:]).unsqueeze(-1)).squeeze(-1)
    return (picked * torch.tensor(mask[:, 1:], dtype=torch.float32)).sum(dim=1)


def dpo_losses(policy_logps, reference_logps):
    n = len(PAIRS)
    pc, pr = policy_logps[:n], policy_logps[n:]
    rc, rr = reference_logps[:n], reference_logps[n:]
    return -F.logsigmoid(BETA * ((pc - rc) - (pr - rr)))


def no_decay(name):
    return name.endswith(".bias") or is_layer_norm(name)


def make_dpo_fixture():
    out = OUT / "dpo"
    ids, mask, prompt_lengths = dpo_batch()
    n = len(PAIRS)
    vocab = byte_level_vocab()
    models = {}
    for role, seed in (("policy", POLICY_SEED), ("reference", REFERENCE_SEED)):
        params = init_params(DPO_CONFIG, seed)
        models[role] = params
        write_json(out / role / "config.json", config_json(DPO_CONFIG), indent=2)
        write_json(out / role / "vocab.json", vocab)
        (out / role / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
        write_safetensors(out / role / "model.safetensors", numpy_params(params), {"format": "pt"})
    policy, reference = models["policy"], models["reference"]

    with torch.no_grad():
        ref_logps = sequence_logps(reference, ids, mask)
    pol_logps = sequence_logps(policy, ids, mask)
    losses = dpo_losses(pol_logps, ref_logps)
    loss = losses.mean()
    loss.backward()

    expected = {
        "policy_chosen_logps": pol_logps[:n].detach().numpy(),
        "policy_rejected_logps": pol_logps[n:].detach().numpy(),
        "reference_chosen_logps": ref_logps[:n].numpy(),
        "reference_rejected_logps": ref_logps[n:].numpy(),
        "chosen_rewards": (BETA * (pol_logps[:n] - ref_logps[:n])).detach().numpy(),
        "rejected_rewards": (BETA * (pol_logps[n:] - ref_logps[n:])).detach().numpy(),
        "losses": losses.detach().numpy(),
        "loss": loss.detach().numpy(),
    }
    for name, p in policy.items():
        expected["grad." + name] = p.grad.numpy().copy()
        expected["sgd." + name] = (p.detach() - 1.0 * p.grad).numpy()

    # Three AdamW steps from the same start, loss and gradient recomputed at every step.
    trained = init_params(DPO_CONFIG, POLICY_SEED)
    groups = [
        {"params": [p for nm, p in trained.items() if not no_decay(nm)], "weight_decay": ADAMW["weight_decay"]},
        {"params": [p for nm, p in trained.items() if no_decay(nm)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"])
    adamw_losses = []
    for _ in range(ADAMW["steps"]):
        opt.zero_grad()
        step_loss = dpo_losses(sequence_logps(trained, ids, mask), ref_logps).mean()
        adamw_losses.append(step_loss.item())
        step_loss.backward()
        opt.step()
    assert abs(adamw_losses[0] - loss.item()) < 1e-6
    expected["adamw_losses"] = np.array(adamw_losses, dtype=np.float32)
    for name, p in trained.items():
        expected["adamw." + name] = p.detach().numpy()

    with open(out / "pairs.jsonl", "w", encoding="utf-8") as f:
        for pair in PAIRS:
            f.write(json.dumps(pair) + "\n")
    write_json(out / "batch.json", {
        "beta": BETA,
        "input_ids": ids.tolist(),
        "loss_mask": mask.tolist(),
        "prompt_lengths": prompt_lengths,
        "adamw": {"lr": ADAMW["lr"], "betas": list(ADAMW["betas"]), "eps": ADAMW["eps"],
                  "weight_decay": ADAMW["weight_decay"], "steps": ADAMW["steps"],
                  "no_decay": sorted(nm for nm in policy if no_decay(nm))},
    })
    write_safetensors(out / "expected.safetensors", expected)
    print(f"dpo: losses {[round(v, 6) for v in losses.tolist()]}, loss {loss.item():.6f}, "
          f"adamw losses {[round(v, 6) for v in adamw_losses]}")


def main():
    for cfg in GPT2_CONFIGS:
        make_gpt2_fixture(cfg)
    make_dpo_fixture()


if __name__ == "__main__":
    main()
