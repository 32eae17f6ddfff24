"""Make assets/pretrained/animals-lenet.pt, the network the `transfer` lesson starts from.
Run by hand, with the full CIFAR-10 in the data cache:

    DLCOURSE_DATA=/tmp/kit-after .venv/bin/python scripts/pretrain_animals.py

What it does: `lenet`'s LeNet, with a 6-class output, trained with the engine (fit_recipe)
on every training image of CIFAR-10's six animal classes (bird, cat, deer, dog, frog,
horse: 30,000 images), seed 0, `lenet`'s default recipe (AdamW 3e-3, one-cycle, batches of
128, crop and flip) for EPOCHS epochs on a CPU. It prints the accuracy reached on the
6,000 animal test images, the time and the CPU, and saves the state dict alone (tensors,
loadable with weights_only=True) in float16: half the size of float32, and the same
predictions (it checks).

The checkpoint in assets/ came from this script as it stands: 4 epochs reached 48.6, 57.5,
62.5 and 65.1 % on the animal test images (65.1 % saved as float16 too), in 505 s on one
thread of a 2-core AMD EPYC shared with other jobs (so the time is inflated), 1,082,149
bytes. The run is seeded and single-threaded; it was not repeated to check that it gives
the same bytes.

--measure runs the experiment the lesson shows (its recipe, epochs and label counts) with
seeds 0, 1 and 2 (or those given: --measure 0,1) and prints the median test accuracy on
2,000 vehicle test images, pretrained against random initialisation, per label count.
Measured with this checkpoint on the full CIFAR-10 (medians of seeds 0, 1, 2; 10 epochs of
1,600 images each, every layer trained):

    labels per class | pretrained | random  | gap (points)
                  25 |    55.70 % | 48.95 % |  +6.75
                 100 |    71.80 % | 60.90 % | +10.90
                 400 |    78.10 % | 66.75 % | +11.35

The gap did not shrink over these counts; the pretrained LeNet with 100 labels per class
beat the random one with 400 in every seed.
"""

import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from dlcourse.data import loaders
from dlcourse.device import seed_everything
from dlcourse.engine.fit import Callbacks, make_loaders
from dlcourse.engine.loop import evaluate
from dlcourse.engine.recipes import fit_recipe, normalization
from dlcourse.lessons import lenet, transfer

EPOCHS = 4  # of 30,000 images: `lenet` gains nothing past 4 on all ten classes (its SIZING)
THREADS = 1  # one CPU thread: the same sums in the same order on every machine
SEED = 0
TEST_IMAGES = 2_000  # --measure: of the 4,000 vehicle test images, the same for every run
OUT = Path(__file__).resolve().parent.parent / "assets" / transfer.CHECKPOINT


def cpu() -> str:
    info = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in
             (info.read_text().splitlines() if info.exists() else [])
             if line.startswith("model name")]
    name = names[0] if names else platform.processor() or platform.machine()
    return f"{name}, {len(names) or '?'} cores, {torch.get_num_threads()} threads"


class PrintEpochs(Callbacks):
    def epoch_end(self, row: dict) -> None:
        print(f"epoch {row['epoch']}: train loss {row['train_loss']:.3f}, animal test "
              f"accuracy {row['test_accuracy']:.4f}, {row['seconds']:.0f} s", flush=True)


def accuracy(model, data, recipe) -> float:
    _, test, _ = make_loaders(data, 256, device=torch.device("cpu"),
                              normalize=normalization(recipe, 3))
    return evaluate(model, test, torch.nn.functional.cross_entropy)[1]


def pretrain(data) -> None:
    animals = transfer.select(data, transfer.ANIMALS)  # all 30,000
    assert len(animals.train_y) == 30_000, "needs the full CIFAR-10 (DLCOURSE_DATA)"
    recipe = {**lenet.RECIPES["default"], "epochs": EPOCHS}
    seed_everything(SEED)
    model = lenet.LeNet(len(transfer.ANIMALS))
    start = time.perf_counter()
    result = fit_recipe(model, animals, recipe, device=torch.device("cpu"), seed=SEED,
                        callbacks=PrintEpochs())
    seconds = time.perf_counter() - start
    state = {k: v.half() for k, v in model.state_dict().items()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, OUT)
    reloaded = lenet.LeNet(len(transfer.ANIMALS))
    reloaded.load_state_dict(torch.load(OUT, weights_only=True))
    print(f"recipe: {recipe}, seed {SEED}")
    print(f"animal test accuracy: {result.test_accuracy:.4f} (float32), "
          f"{accuracy(reloaded, animals, recipe):.4f} (float16, as saved)")
    print(f"{seconds:.0f} s of training on {cpu()}; {OUT} ({OUT.stat().st_size:,} bytes)")


def measure(data, seeds=(0, 1, 2)) -> None:
    """The lesson's experiment, with its recipe and epochs, for several seeds."""
    table = {}
    for seed in seeds:
        for k in transfer.LABELS:
            labelled = transfer.select(data, transfer.VEHICLES, k, seed)
            few = transfer.repeated(labelled, transfer.EPOCH_IMAGES)
            for pretrained in (True, False):
                seed_everything(seed)
                start = transfer.animal_lenet() if pretrained else lenet.LeNet(6)
                model = transfer.for_vehicles(start)
                result = fit_recipe(model, few, transfer.FEW_LABELS, device=torch.device("cpu"),
                                    seed=seed, test_images=TEST_IMAGES)
                table.setdefault((k, pretrained), []).append(result.test_accuracy)
                print(f"seed {seed}, {k} labels, pretrained {pretrained}: "
                      f"{result.test_accuracy:.4f}", flush=True)
    print("labels per class | pretrained | random | gap (medians of seeds "
          f"{', '.join(map(str, seeds))})")
    for k in transfer.LABELS:
        pre, rand = (statistics.median(table[k, p]) for p in (True, False))
        print(f"{k} | {pre:.1%} | {rand:.1%} | {pre - rand:+.1%}")


if __name__ == "__main__":
    torch.set_num_threads(THREADS)
    cifar = loaders.load_images("cifar10", offline=True)
    if "--measure" in sys.argv:  # --measure [SEEDS, e.g. 0,1,2]
        after = sys.argv[sys.argv.index("--measure") + 1:]
        measure(cifar, tuple(map(int, after[0].split(","))) if after else (0, 1, 2))
    else:
        pretrain(cifar)
