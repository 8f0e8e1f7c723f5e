#!/usr/bin/env bash
# One GPT-2 124M DPO step in jdpo and in PyTorch, taken in turn on the same machine and threads,
# with each run's peak RSS; the JSON of every run goes to OUT_DIR (which must not exist yet, or be
# empty), and a table of the best time per side to stdout.
#
#   scripts/bench/dpo_step_side_by_side.sh OUT_DIR [--threads N] [--rounds R] [--torch PYTHON]...
#
# --torch names a Python that has torch (repeat it for several: a pip wheel in a venv, Debian's
# /usr/bin/python3 with python3-torch). Default: /usr/bin/python3. Each round runs, in this order:
# jdpo and every torch at 2 pairs x 128 tokens, then jdpo and every torch at 1 pair x 1024 tokens.
# The 1024-token step takes a minute or more per side and some 10 GB of memory.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
[[ $# -ge 1 && "$1" != -* ]] || { usage >&2; exit 2; }
out="$1"; shift
threads=2 rounds=2 torches=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --torch) torches+=("$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "dpo_step_side_by_side: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ ${#torches[@]} -gt 0 ]] || torches=(/usr/bin/python3)
if [[ -e "$out" && -n "$(ls -A "$out" 2>/dev/null)" ]]; then
  echo "dpo_step_side_by_side: $out exists and is not empty; give a new folder" >&2
  exit 2
fi
mkdir -p "$out"

# run NAME COMMAND...: the command's last stdout line (its JSON) to OUT/NAME.json, /usr/bin/time's
# report to OUT/NAME.time, and the load average before it to OUT/NAME.load.
run() {
  local name="$1"; shift
  cut -d' ' -f1 /proc/loadavg > "$out/$name.load"
  echo "dpo_step_side_by_side: $name (load $(cat "$out/$name.load"))" >&2
  /usr/bin/time -v -o "$out/$name.time" "$@" 2> "$out/$name.err" | tail -n 1 > "$out/$name.json"
}

for ((r = 1; r <= rounds; r++)); do
  for shape in "2 128" "1 1024"; do
    set -- $shape
    pairs="$1" len="$2" steps=$([[ "$2" == 1024 ]] && echo 1 || echo 2)
    run "jdpo-$len-r$r" "$root/jdpo" bench --skip-matmul --json --threads "$threads" --pairs "$pairs" --seq-len "$len" --steps "$steps"
    i=0
    for py in "${torches[@]}"; do
      i=$((i + 1))
      run "torch$i-$len-r$r" "$py" "$root/scripts/bench/torch_dpo_step.py" --config gpt2 --threads "$threads" \
        --pairs "$pairs" --seq-len "$len" --steps "$steps"
    done
  done
done

python3 - "$out" <<'EOF'
import glob, json, os, re, sys
out = sys.argv[1]
best = {}
for path in sorted(glob.glob(os.path.join(out, "*.json"))):
    name = os.path.basename(path)[:-5]
    side, length, _ = name.rsplit("-", 2)
    text = open(path).read().strip()
    if not text:
        continue
    d = json.loads(text)
    step = d.get("step", d)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(os.path.join(out, name + ".time")).read())
    label = "jdpo" if side == "jdpo" else "PyTorch %s (%s)" % (d["torch"], d["blas"])
    key = (label, int(length))
    row = dict(seconds=step["seconds"], rss_gb=int(rss.group(1)) / 1e6 if rss else float("nan"),
               load=open(os.path.join(out, name + ".load")).read().strip(), run=name)
    if key not in best or row["seconds"] < best[key]["seconds"]:
        best[key] = row
print("best step time per side (seconds; peak RSS of that run; load average before it)")
for (label, length), row in sorted(best.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    print("%-32s %5d tokens  %8.2f s  %6.2f GB  load %s  (%s)" % (label, length, row["seconds"], row["rss_gb"], row["load"], row["run"]))
json.dump({"%s @%d" % k: v for k, v in best.items()}, open(os.path.join(out, "best.json"), "w"), indent=1)
EOF
