"""Time-to-accuracy of each lesson's default recipe, against the posts' one-epoch figures.

    .venv/bin/python benchmarks/time_to_accuracy.py --data-dir DIR [--only lenet,resnet]

DIR holds the full kit (`dlcourse data import` of ../shared/data). For LeNet, ResNet and
VGG the post's recipe, run faithfully on this machine, reaches the accuracy below after
one epoch. We train the default recipe with growing budgets (a one-cycle run over 20,000,
30,000, ... training images), three seeds each, and report the first budget whose median
final test accuracy reaches it (one seed alone can land a tenth of a point either side). The post's
epoch time is measured in the same run: its pipeline's throughput (benchmarks/
pipelines.py), before and after our runs, times 50,000 images.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pipelines  # noqa: E402

from dlcourse.data.loaders import load_images  # noqa: E402

POST_ONE_EPOCH = {"lenet": 0.492, "resnet": 0.510, "vgg": 0.489}  # the measurements
# (training images, epochs) budgets for the default recipe, smallest first
BUDGETS = {name: [(20_000, 1), (30_000, 1), (40_000, 1), (50_000, 1), (50_000, 2)]
           for name in POST_ONE_EPOCH}
SEEDS = (0, 1, 2)


def lesson(name: str, data_dir: str, *args: str) -> dict:
    """Run `dlcourse lesson NAME ARGS` and return its metrics.json."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "dlcourse", "lesson", name, "--no-pause",
                        "--data-dir", data_dir, "--out", out, *args], check=True,
                       capture_output=True)
        return json.loads((Path(out) / "metrics.json").read_text())


def post_speed(name: str, data_dir: str) -> float:
    data = load_images("cifar10", data_dir=data_dir, offline=True)
    return pipelines.post_style(pipelines.POSTS[name], data.train_x[:2000], data.train_y[:2000],
                                data_dir)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--only", default="lenet,resnet,vgg")
    args = parser.parse_args()
    print("| lesson | post: 1 epoch | post accuracy | default recipe reaches it in "
          "(median of 3 seeds) | "
          "fraction |\n|---|---|---|---|---|")
    for name in args.only.split(","):
        before = post_speed(name, args.data_dir)
        found = None
        for images, epochs in BUDGETS[name]:
            runs = [lesson(name, args.data_dir, "--subset", str(images), "--epochs",
                           str(epochs), "--seed", str(seed))["final"] for seed in SEEDS]
            accuracy = statistics.median(r["test_accuracy"] for r in runs)
            if accuracy >= POST_ONE_EPOCH[name]:
                found = (f"{epochs} × {images:,} images",
                         statistics.median(r["train_seconds"] for r in runs), accuracy)
                break
        after = post_speed(name, args.data_dir)
        epoch_s = 50_000 / statistics.median([before, after])
        if found is None:
            print(f"| {name} | {epoch_s:.0f} s | {POST_ONE_EPOCH[name]:.1%} | not reached | – |")
            continue
        budget, seconds, acc = found
        print(f"| {name} | {epoch_s:.0f} s | {POST_ONE_EPOCH[name]:.1%} | {seconds:.1f} s "
              f"({budget}: {acc:.1%}) | {seconds / epoch_s:.2f} |", flush=True)


if __name__ == "__main__":
    main()
