"""The engine's throughput in two checkouts, side by side: did a change cost speed?

    .venv/bin/python benchmarks/engine_ab.py --before DIR_A --after DIR_B --data-dir CACHE

DIR_A and DIR_B are two checkouts of dlcourse (e.g. `git worktree add /tmp/before HEAD~1`);
CACHE holds the kit's CIFAR-10 tree (`--before-data-dir` gives A its own, imported by A's
code, when the two read different cache formats). Each round runs each checkout's own
`benchmarks/pipelines.py` engine() in a fresh process, alternating A and B, so drift of a
shared machine hits both alike; the table gives medians and B's change against A.
"""

import argparse
import json
import statistics
import subprocess
import sys

ROUND = """
import json, sys, torch
sys.path.insert(0, "benchmarks")
import pipelines
from dlcourse.data.loaders import load_images
data = load_images("cifar10", data_dir={cache!r}, offline=True)
X, y = data.train_x[:{images}], data.train_y[:{images}]
print(json.dumps({{m: pipelines.engine(pipelines.POSTS[m], X, y) for m in {models!r}}}))
"""


def one_round(checkout: str, cache: str, images: int, models: list[str]) -> dict:
    code = ROUND.format(cache=cache, images=images, models=models)
    out = subprocess.run([sys.executable, "-c", code], cwd=checkout, capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": checkout, "PATH": ""})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--before-data-dir", help="A's cache (default: --data-dir)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--models", default="lenet,resnet")
    args = parser.parse_args()
    models = args.models.split(",")
    speeds = {side: {m: [] for m in models} for side in ("before", "after")}
    for _ in range(args.rounds):
        for side in ("before", "after"):
            cache = (args.before_data_dir or args.data_dir) if side == "before" else args.data_dir
            for m, v in one_round(getattr(args, side), cache, args.images, models).items():
                speeds[side][m].append(v)
    print(f"{args.images:,} CIFAR-10 images, {args.rounds} alternating rounds, medians")
    print("| model | before img/s | after img/s | change |\n|---|---|---|---|")
    for m in models:
        b, a = (statistics.median(speeds[s][m]) for s in ("before", "after"))
        print(f"| {m} | {b:,.0f} | {a:,.0f} | {a / b - 1:+.1%} |")
        print(f"<!-- {m} before {speeds['before'][m]} after {speeds['after'][m]} -->")


if __name__ == "__main__":
    main()
