"""Loading the 60,000-image CIFAR-10 tree: first load (decode) and later loads (cache).

    .venv/bin/python benchmarks/data_load.py [TREE_TAR] [rounds]

Unpacks the kit's cifar10-jpg.tar.gz into a temporary folder, loads it as `--data` does
with an empty decoded cache, then loads it again `rounds` times; prints the medians.
"""

import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from dlcourse.data import sets

KIT = Path(__file__).resolve().parents[2] / "shared" / "data" / "cifar10" / "cifar10-jpg.tar.gz"


def main(archive: Path = KIT, rounds: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with tarfile.open(archive) as tar:
            tar.extractall(tmp / "tree", filter="data")
        start = time.perf_counter()
        data = sets.from_folder(tmp / "tree", tmp / "cache")
        first = time.perf_counter() - start
        later = []
        for _ in range(rounds):
            start = time.perf_counter()
            sets.from_folder(tmp / "tree", tmp / "cache")
            later.append(time.perf_counter() - start)
    n = len(data.train_y) + len(data.test_y)
    print(f"| {n:,} images | first load (decode) {first:.1f} s | later loads: median "
          f"{statistics.median(later):.2f} s of {rounds} (min {min(later):.2f}, "
          f"max {max(later):.2f}) |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else KIT,
         int(sys.argv[2]) if len(sys.argv) > 2 else 5)
