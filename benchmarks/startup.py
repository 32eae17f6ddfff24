"""Startup time: `dlcourse --help`, `list`, `progress`, `exercise list` and `explain`,
in English and in Korean (`--lang ko`), against `python -c "import torch"`, alternating,
medians.

    .venv/bin/python benchmarks/startup.py [rounds]
"""

import os
import statistics
import subprocess
import sys
import time

DLCOURSE = {
    "--help": ["--help"],
    "list": ["list"],
    "progress": ["progress"],
    "exercise list": ["exercise", "list"],
    "explain cross-entropy": ["explain", "cross-entropy", "--no-pause", "--quiz", "off"],
}
COMMANDS = {
    **{f"dlcourse {name}{lang}": [sys.executable, "-m", "dlcourse", *args, *lang.split()]
       for name, args in DLCOURSE.items() for lang in ("", " --lang ko")},
    'python -c "import torch"': [sys.executable, "-c", "import torch"],
}


# As a user's Python runs: writing bytecode caches. With PYTHONDONTWRITEBYTECODE set (as on
# some CI machines) dlcourse's own modules would compile from source on every start while
# torch's, compiled by pip at install, would not.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main(rounds: int = 7) -> None:
    times = {name: [] for name in COMMANDS}
    for argv in COMMANDS.values():  # one untimed start each: bytecode caches written
        subprocess.run(argv, check=True, capture_output=True, env=ENV)
    for _ in range(rounds):  # alternate, so drift in machine speed hits every command alike
        for name, argv in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True, env=ENV)
            times[name].append(time.perf_counter() - start)
    torch_s = statistics.median(times['python -c "import torch"'])
    print(f"| command | median of {rounds} (s) | / import torch |\n|---|---|---|")
    for name, ts in times.items():
        print(f"| `{name}` | {statistics.median(ts):.3f} | {statistics.median(ts) / torch_s:.3f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
