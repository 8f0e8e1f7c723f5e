#!/usr/bin/env bash
# Downloads the real GPT-2 124M (openai-community/gpt2) config.json and model.safetensors from the
# Hugging Face hub into this directory, and checks both against the hub's own record of them:
# model.safetensors against the sha256 of its LFS object, config.json against its git blob id.
# Needs curl, sha256sum, git and python3. About 550 MB.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
repo="openai-community/gpt2"
rev="${GPT2_REVISION:-main}"
hub="https://huggingface.co"

unreachable() { # unreachable WHAT : one line instead of curl's own error
  echo "download.sh: could not reach the Hugging Face hub ($hub) to $1; check the network connection (or HTTPS_PROXY) and run it again" >&2
  exit 1
}

listing="$(curl -fsSL "$hub/api/models/$repo/tree/$rev" 2>/dev/null)" || unreachable "list $repo"
field() { # field FILE KEY : the hub's record of FILE (KEY: oid = git blob id, lfs = LFS sha256)
  python3 -c '
import json, sys
for e in json.loads(sys.argv[1]):
    if e.get("path") == sys.argv[2]:
        print(e["lfs"]["oid"] if sys.argv[3] == "lfs" else e["oid"]); break
else:
    sys.exit("no " + sys.argv[2] + " in the hub listing")' "$listing" "$1" "$2"
}

want_model="$(field model.safetensors lfs)"
want_config="$(field config.json oid)"

fetch() { # fetch FILE : download to a temporary name, renamed only once checked
  curl -fL --retry 3 --progress-bar -o ".$1.part" "$hub/$repo/resolve/$rev/$1" || {
    rm -f ".$1.part"
    echo "download.sh: downloading $1 from the Hugging Face hub failed (curl's reason is above); run it again to retry" >&2
    exit 1
  }
}

if [[ -f model.safetensors ]] && [[ "$(sha256sum model.safetensors | cut -d' ' -f1)" == "$want_model" ]]; then
  echo "model.safetensors: already here, sha256 matches"
else
  fetch model.safetensors
  got="$(sha256sum .model.safetensors.part | cut -d' ' -f1)"
  [[ "$got" == "$want_model" ]] || { echo "model.safetensors: sha256 $got, the hub says $want_model" >&2; rm -f .model.safetensors.part; exit 1; }
  mv .model.safetensors.part model.safetensors
  echo "model.safetensors: sha256 $got (matches the hub)"
fi

fetch config.json
got="$(git hash-object .config.json.part)"
[[ "$got" == "$want_config" ]] || { echo "config.json: blob $got, the hub says $want_config" >&2; rm -f .config.json.part; exit 1; }
mv .config.json.part config.json
echo "config.json: git blob $got (matches the hub)"
echo "done: $(pwd) is a Hugging Face GPT-2 directory; from the repository root, try: ./jdpo logprobs --model weights/gpt2 --prompt 'Hello,' --response ' world'"
