"""Does every lesson's default run end within its catalogue time (+25 %) on this machine?

    .venv/bin/python benchmarks/lesson_times.py --data-dir DIR [--only resnet,vgg] [--runs 2]

Runs `dlcourse lesson NAME --no-pause --quiz off` as a user would (a fresh process: Python
and PyTorch start, data loads from the cache in DIR, the speed probe, training, figures)
and reports the wall time against the time `dlcourse list` shows, with the plan the lesson
chose and its result. The first run of a lesson on a machine also measures its speed (the
probe); later runs read it from the cache, so `--runs 2` shows both. The speed cache used
is a fresh temporary one unless --keep-cache. The README quotes a run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from dlcourse.course import catalog
from dlcourse.device import machine

EXTRA: dict[str, list[str]] = {}  # more arguments for a lesson (none needed now)


def run(name: str, data_dir: str, env: dict) -> tuple[float, dict]:
    data = ["--data-dir", data_dir] if catalog.get("lesson", name).dataset else []
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "dlcourse", "lesson", name, "--no-pause",
                               "--quiz", "off", "--out", out, *data, *EXTRA.get(name, [])],
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return seconds, json.loads((Path(out) / "metrics.json").read_text())


def result(metrics: dict) -> str:
    final = metrics["final"]
    if "test_accuracy" in final:
        return f"{final['test_accuracy']:.1%}"
    if "test_rmse" in final:
        return f"RMSE {final['test_rmse']:.3f}"
    return f"loss {final.get('loss', float('nan')):.1f}"


def plan(metrics: dict) -> str:
    p = metrics.get("plan", {})
    if "images" in p:
        return f"{p['epochs']} × {p['images']:,} images, test {p['test_images']:,}"
    return next((f"{p[k]} {k}" for k in ("epochs", "steps") if k in p), "as set")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--only", default=",".join(catalog.load()["lesson"]))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--keep-cache", action="store_true")
    args = parser.parse_args()
    info = machine(torch.device("cpu"))
    print(f"Machine: {info['cpu']} · flags {', '.join(info['flags']) or 'none'} · "
          f"{info['threads']} threads · torch {info['torch']}")
    print("| lesson | catalogue | limit (+25 %) | wall s (each run) | plan | result | within |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ)
        if not args.keep_cache:
            env["DLCOURSE_CACHE"] = cache
        for name in args.only.split(","):
            entry = catalog.get("lesson", name)
            limit = 1.25 * entry.minutes * 60
            runs = [run(name, args.data_dir, env) for _ in range(args.runs)]
            walls = [s for s, _ in runs]
            metrics = runs[-1][1]
            ok = "yes" if max(walls) <= limit else "**no**"
            print(f"| {name} | {entry.time} | {limit:.0f} s | "
                  f"{' / '.join(f'{s:.0f}' for s in walls)} | {plan(metrics)} | "
                  f"{result(metrics)} | {ok} |", flush=True)


if __name__ == "__main__":
    main()
