"""Startup time: `dlcourse --help`, `list`, `progress`, `exercise list` and `explain`
against `python -c "import torch"`, alternating, medians.

    .venv/bin/python benchmarks/startup.py [rounds]
"""

import statistics
import subprocess
import sys
import time

COMMANDS = {
    "dlcourse --help": [sys.executable, "-m", "dlcourse", "--help"],
    "dlcourse list": [sys.executable, "-m", "dlcourse", "list"],
    "dlcourse progress": [sys.executable, "-m", "dlcourse", "progress"],
    "dlcourse exercise list": [sys.executable, "-m", "dlcourse", "exercise", "list"],
    "dlcourse explain cross-entropy": [sys.executable, "-m", "dlcourse", "explain",
                                       "cross-entropy"],
    'python -c "import torch"': [sys.executable, "-c", "import torch"],
}


def main(rounds: int = 7) -> None:
    times = {name: [] for name in COMMANDS}
    for _ in range(rounds):  # alternate, so drift in machine speed hits every command alike
        for name, argv in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    torch_s = statistics.median(times['python -c "import torch"'])
    print(f"| command | median of {rounds} (s) | / import torch |\n|---|---|---|")
    for name, ts in times.items():
        print(f"| `{name}` | {statistics.median(ts):.3f} | {statistics.median(ts) / torch_s:.3f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
