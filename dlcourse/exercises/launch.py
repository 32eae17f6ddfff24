"""Run one exercise's check in a fresh process, on the CPU, with a time limit, and read its
one-line verdict (see run.py). An infinite loop in the learner's code costs TIME_LIMIT
seconds, never the course."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from dlcourse.exercises.catalog import Exercise
from dlcourse.exercises.run import TIME_LIMIT, timed_out
from dlcourse.i18n import language, msg

# Starting Python and importing torch comes before the check's own clock starts (run.py's
# watchdog): 3 s on an idle 2-core laptop, 15 s when it is busy. Past this much more, the
# process is killed from here (the watchdog cannot fire while Python is stuck in C code).
STARTUP_ALLOWANCE = 60.0


@dataclass(frozen=True)
class Verdict:
    status: str  # passed, failed, not-started or error
    message: str
    output: str = ""  # what the learner's code printed
    bug: bool = False  # the check itself failed: not the learner's doing
    timed_out: bool = False  # stopped after the time limit

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def check(exercise: Exercise, file: Path, *, time_limit: float = TIME_LIMIT) -> Verdict:
    """Check the learner's `file` against `exercise` in a subprocess."""
    file = Path(file).resolve()
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONIOENCODING": "utf-8", "DLCOURSE_LANG": language()}  # --lang too
    # -P: the learner's folder is not on sys.path, so a file named like a module it
    # imports (torch.py, random.py) cannot shadow it; cwd: their relative paths work
    command = [sys.executable, "-P", "-m", "dlcourse.exercises.run", exercise.name, str(file),
               str(time_limit)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, encoding="utf-8",
                               errors="replace", cwd=file.parent, env=env,
                               start_new_session=os.name == "posix")
    try:
        out, err = process.communicate(timeout=time_limit + STARTUP_ALLOWANCE)
    except subprocess.TimeoutExpired:
        _kill(process)
        return Verdict("error", timed_out(time_limit)["message"], timed_out=True)
    except BaseException:  # Ctrl-C while watching: the check must not outlive us
        _kill(process)
        raise
    return parse(out, err, process.returncode)


def _kill(process: subprocess.Popen) -> None:
    """Stop the check and anything it started (a DataLoader's workers)."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass
    process.communicate()


def parse(out: str, err: str, returncode: int) -> Verdict:
    """The verdict from the check's last JSON line; without one, the process died."""
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            return Verdict(data["status"], data.get("message", ""), data.get("output", ""),
                           bool(data.get("bug")), bool(data.get("timed_out")))
    tail = "\n".join(err.strip().splitlines()[-15:])
    if returncode < 0 or returncode == 137:
        what = msg("exercises.run.killed", signal=-returncode if returncode < 0 else 9)
        return Verdict("error", what + (f"\n{tail}" if tail else ""), out)
    return Verdict("error", msg("exercises.run.no_verdict", code=returncode) + f"\n{tail}",
                   out, bug=True)
