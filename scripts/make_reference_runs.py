"""Make the reference runs that ship in assets/reference/ (what `dlcourse replay LESSON`
shows offline): each image lesson trained on the full real data with a longer recipe, then
its metrics.json and figures copied, the figures shrunk to a palette PNG.

    DLCOURSE_DATA=/path/to/imported/kit python scripts/make_reference_runs.py mnist lenet

Each run records the machine (CPU or GPU), the date and its time in its metrics.json; the
replay states them. All reference runs together should stay under about 2 MB.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

REFERENCE = Path(__file__).resolve().parent.parent / "assets" / "reference"
# a full-data recipe per lesson: every training image, the posts' epochs where they fit
RECIPES = {
    "mnist": ["--subset", "full", "--epochs", "20"],  # post 004: 20 epochs
    "cross-entropy": ["--subset", "full", "--epochs", "10"],
    "saving": ["--steps", "2000"],  # steps of 64 images: about two epochs of MNIST
    "lenet": ["--recipe", "seed", "--subset", "full"],  # post 003: 20 epochs
    "augmentation": ["--subset", "full", "--epochs", "15"],
    "vgg": ["--subset", "full", "--epochs", "10"],
    "resnet": ["--subset", "full", "--epochs", "30", "--blocks", "2"],  # the post: 2, 300 epochs
    "transfer": ["--subset", "full"],
}


def shrink(png: Path, target: Path) -> None:
    """A palette PNG: a third of the size, the same picture to the eye."""
    with Image.open(png) as image:
        image.convert("RGB").quantize(colors=128).save(target, optimize=True)


def make(lesson: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / lesson
        command = [sys.executable, "-m", "dlcourse", "lesson", lesson, "--no-pause",
                   "--quiz", "off", "--no-figures", "--minutes", "1440", "--out", str(out),
                   *RECIPES[lesson]]
        print(" ".join(command[2:]), flush=True)
        subprocess.run(command, check=True)
        run = json.loads((out / "metrics.json").read_text())
        if run["status"] != "complete":
            raise SystemExit(f"{lesson}: the run ended {run['status']}")
        target = REFERENCE / lesson
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.copy(out / "metrics.json", target / "metrics.json")
        for png in out.glob("*.png"):
            shrink(png, target / png.name)
    size = sum(p.stat().st_size for p in target.iterdir())
    print(f"{lesson}: {size / 1e3:.0f} kB in {target}, {run['seconds']:.0f} s on "
          f"{run['machine'].get('gpu') or run['machine']['cpu']}")


if __name__ == "__main__":
    for name in sys.argv[1:] or RECIPES:
        make(name)
    total = sum(p.stat().st_size for p in REFERENCE.rglob("*") if p.is_file())
    print(f"all reference runs: {total / 1e6:.2f} MB")
