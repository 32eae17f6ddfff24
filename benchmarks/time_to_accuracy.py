"""Time to accuracy: each lesson's default recipe against one epoch of its post's own code.

    .venv/bin/python benchmarks/time_to_accuracy.py --data-dir DIR [--only lenet,resnet,vgg]
        [--seeds 0,1,2] [--post-accuracy-from-constants]

DIR holds the full kit (`dlcourse data import` of ../shared/data): the CIFAR-10 JPEG tree
(cifar10-jpg/{train,test}/<class>/*.jpg) that the posts read and the decoded images the
lessons train on. The output starts with the machine (CPU model, vector flags, threads,
torch version), since every figure below depends on it. Per lesson (LeNet, ResNet, VGG):

1. The baseline, run in this process: one epoch of the post's own recipe through the
   post's own code path (benchmarks/pipelines.py POSTS[name]): torchvision's ImageFolder
   over the 50,000 training JPEGs, decoded and transformed per image by the post's PIL
   transforms, a DataLoader at the post's batch size with shuffle=True (no workers),
   PyTorch's default (per-tensor) optimizer with the post's settings, float32, contiguous
   memory, torch seed 0. The epoch is timed from the loader's first batch to the last
   optimizer step (evaluation excluded). Then the model is tested on the 10,000 test JPEGs
   through a DataLoader over the test folder with the post's normalization only (ToTensor
   and the post's Normalize, no augmentation). That test accuracy is the target, the epoch
   time the baseline. One seed: the target itself moves about a point from seed to seed.
2. The engine: `dlcourse lesson NAME --subset N --epochs E --seed S --quiz off
   --precision auto --minutes 1440` in a fresh process per run, for growing budgets
   (E × N: one-cycle runs over 20,000, 30,000, 40,000, 50,000 images, then 2 epochs over
   50,000), each with every seed of --seeds; the first budget whose median final test
   accuracy (on all 10,000 test images: the day-long --minutes only makes the lesson
   evaluate every test image; --subset and --epochs fix the run) reaches the target is
   reported, with the median of its runs' training seconds (the lesson's train_seconds:
   its epochs, evaluation and the speed probe excluded) and the variant (fp32/bf16,
   contiguous/channels-last) the lesson's probe chose.
3. The ratio engine seconds / post epoch seconds, against the issue's targets: LeNet
   <= 1/5, ResNet <= 1/3, VGG <= 1/2, marked PASS or MISS.

--post-accuracy-from-constants skips step 1 for a quick run: the target is the post's
one-epoch accuracy measured earlier (POST_ONE_EPOCH) and the post's epoch time is
estimated from its pipeline's throughput on 2,000 images (pipelines.post_style, before and
after the engine runs, median) times 50,000.

--post-images N (smoke tests only) trains the post's epoch on a seeded sample of N images
and tests it on N test images; its time is scaled to 50,000 images. With --budgets
1000x1 (not fewer: a 4-step one-cycle run, e.g. VGG on 500 images, fails in OneCycleLR)
and --seeds 0 a run takes a minute or two per lesson; its figures mean nothing.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
from torchvision import transforms

sys.path.insert(0, str(Path(__file__).parent))
import pipelines  # noqa: E402

from dlcourse.data.loaders import load_images  # noqa: E402

TRAIN_IMAGES = 50_000  # one epoch of CIFAR-10
POST_ONE_EPOCH = {"lenet": 0.492, "resnet": 0.510, "vgg": 0.489}  # measured earlier (issue)
TARGETS = {"lenet": (1, 5), "resnet": (1, 3), "vgg": (1, 2)}  # engine time / post epoch time
# (training images, epochs) budgets for the default recipe, smallest first
BUDGETS = [(20_000, 1), (30_000, 1), (40_000, 1), (50_000, 1), (50_000, 2)]
WHOLE_DAY = "1440"  # --minutes: every test image is evaluated; --subset/--epochs fix the run


def lesson(name: str, data_dir: str, *args: str) -> dict:
    """Run `dlcourse lesson NAME ARGS` and return its metrics.json."""
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([sys.executable, "-m", "dlcourse", "lesson", name, "--no-pause",
                               "--quiz", "off", "--precision", "auto", "--minutes", WHOLE_DAY,
                               "--data-dir", data_dir, "--out", out, *args],
                              capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"dlcourse lesson {name} {' '.join(args)} failed ({done.returncode}):\n"
                     f"{done.stderr[-2000:] or done.stdout[-2000:]}")
        return json.loads((Path(out) / "metrics.json").read_text())


def post_epoch(name: str, data_dir: str, images: int | None = None, seed: int = 0) -> dict:
    """One epoch of the post's recipe through the post's code path, then its test accuracy.
    `images` (smoke tests): train on a seeded sample of that many, test on as many."""
    post = pipelines.POSTS[name]
    torch.manual_seed(seed)
    model = post["model"]()  # float32, contiguous
    optimizer = pipelines.post_optimizer(model, post["optimizer"])
    train = pipelines.post_dataset(data_dir, post["transform"], images, "train", seed)
    loader = DataLoader(train, batch_size=post["batch"], shuffle=True)
    model.train()
    start = time.perf_counter()
    for inputs, labels in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    plain = transforms.Compose([transforms.ToTensor(), transforms.Normalize(*post["normalize"])])
    test = pipelines.post_dataset(data_dir, plain, images, "test", seed)
    model.eval()
    correct = 0
    with torch.no_grad():
        for inputs, labels in DataLoader(test, batch_size=post["batch"]):
            correct += (model(inputs).argmax(dim=1) == labels).sum().item()
    return {"seconds": seconds, "accuracy": correct / len(test), "train": len(train),
            "test": len(test)}


def post_speed(name: str, data_dir: str) -> float:
    data = load_images("cifar10", data_dir=data_dir, offline=True)
    return pipelines.post_style(pipelines.POSTS[name], data.train_x[:2000], data.train_y[:2000],
                                data_dir)


def engine_runs(name: str, data_dir: str, target: float, budgets, seeds):
    """The first budget whose median accuracy over `seeds` reaches `target`, or None:
    (budget text, median train seconds, median accuracy, variants, test images)."""
    for images, epochs in budgets:
        runs = [lesson(name, data_dir, "--subset", str(images), "--epochs", str(epochs),
                       "--seed", str(seed)) for seed in seeds]
        accuracy = statistics.median(r["final"]["test_accuracy"] for r in runs)
        seconds = statistics.median(r["final"]["train_seconds"] for r in runs)
        print(f"  {name}: {epochs} × {images:,} images: {accuracy:.1%} (median of "
              f"{len(runs)}), {seconds:.1f} s", file=sys.stderr, flush=True)
        if accuracy >= target:
            variants = sorted({r.get("speed", {}).get("variant", "?") for r in runs})
            tested = min(r.get("data", {}).get("test_used", 0) for r in runs)
            return (f"{epochs} × {images:,} images", seconds, accuracy, variants, tested)
    return None


def parse_budgets(text: str) -> list[tuple[int, int]]:
    """'20000x1,50000x2' -> [(20000, 1), (50000, 2)]."""
    try:
        return [(int(n), int(e)) for n, e in (b.split("x") for b in text.split(","))]
    except ValueError:
        raise argparse.ArgumentTypeError("budgets look like 20000x1,50000x2") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--only", default="lenet,resnet,vgg")
    parser.add_argument("--seeds", default="0,1,2", help="seeds of the engine runs")
    parser.add_argument("--post-accuracy-from-constants", action="store_true",
                        help="quick: the earlier measured post accuracies and the post's "
                             "epoch time from its throughput, instead of running its epoch")
    parser.add_argument("--post-images", type=int, default=None,
                        help="smoke tests only: the post's epoch on this many images, "
                             "tested on as many (time scaled to 50,000)")
    parser.add_argument("--budgets", type=parse_budgets,
                        default=BUDGETS, help="engine budgets (imagesxepochs), smallest first; "
                        "default " + ",".join(f"{n}x{e}" for n, e in BUDGETS))
    args = parser.parse_args()
    names = args.only.split(",")
    if unknown := [n for n in names if n not in pipelines.POSTS]:
        parser.error(f"--only: unknown {', '.join(unknown)} (known: {', '.join(pipelines.POSTS)})")
    seeds = [int(s) for s in args.seeds.split(",")]
    print(pipelines.machine_line())
    baseline = ("the post's accuracy after one epoch, measured earlier (constants); post epoch "
                "time from its pipeline's throughput on 2,000 images"
                if args.post_accuracy_from_constants else
                "one epoch of the post's own code run here (ImageFolder over JPEGs, per-image "
                "transforms, its DataLoader, default optimizer, fp32), tested on "
                f"{args.post_images or 10_000:,} test images")
    if args.post_images and not args.post_accuracy_from_constants:
        baseline += f"; SMOKE: trained on {args.post_images:,} images, time scaled to 50,000"
    print(f"Target and baseline: {baseline}. Engine: seeds {args.seeds}, medians.\n", flush=True)
    print("| lesson | post: 1 epoch | post accuracy | default recipe reaches it in "
          f"(median of {len(seeds)} seed{'s' * (len(seeds) != 1)}) | engine variant | "
          "engine / post | target | result |\n|---|---|---|---|---|---|---|---|", flush=True)
    for name in names:
        if args.post_accuracy_from_constants:
            before = post_speed(name, args.data_dir)
            target, epoch_note = POST_ONE_EPOCH[name], ""
        else:
            post = post_epoch(name, args.data_dir, args.post_images)
            epoch_s = post["seconds"] * TRAIN_IMAGES / post["train"]
            target = post["accuracy"]
            epoch_note = (f" (from {post['train']:,})" if post["train"] < TRAIN_IMAGES else "")
            print(f"  {name}: post epoch {post['seconds']:.1f} s on {post['train']:,} images, "
                  f"{target:.1%} on {post['test']:,} test images", file=sys.stderr, flush=True)
        found = engine_runs(name, args.data_dir, target, args.budgets, seeds)
        if args.post_accuracy_from_constants:
            after = post_speed(name, args.data_dir)
            epoch_s = TRAIN_IMAGES / statistics.median([before, after])
            epoch_note = " (est.)"
        num, den = TARGETS[name]
        goal = f"≤ {num}/{den}"
        head = f"| {name} | {epoch_s:.0f} s{epoch_note} | {target:.1%} |"
        if found is None:
            print(f"{head} not reached | – | – | {goal} | MISS |", flush=True)
            continue
        budget, seconds, accuracy, variants, tested = found
        ratio = max(seconds, 1e-9) / epoch_s
        verdict = "PASS" if ratio <= num / den else "MISS"
        tested_note = "" if tested >= 10_000 else f", tested on {tested:,}"
        print(f"{head} {seconds:.1f} s ({budget}: {accuracy:.1%}{tested_note}) | "
              f"{' / '.join(variants)} | {ratio:.2f} (1/{1 / ratio:.1f}) | {goal} | {verdict} |",
              flush=True)


if __name__ == "__main__":
    main()
