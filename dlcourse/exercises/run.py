"""`python -m dlcourse.exercises.run NAME PATH`: check one learner file, print one JSON line.

    {"status": "passed" | "failed" | "not-started" | "error", "message": "...",
     "output": "what the learner's code printed", "bug": false}

The course starts this in a fresh process (on the CPU, with a time limit: see launch.py),
so a learner's infinite loop, crash or stray global cannot touch the course itself. An
error in the learner's code is shown with its traceback cut to their own file, and a
syntax error with its line; `bug` marks a failure of the check itself.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import threading
import traceback
from pathlib import Path

from dlcourse.i18n import msg

OUTPUT_LIMIT = 4000  # characters of the learner's own printing passed back
TIME_LIMIT = 20.0  # seconds the learner's code and the check may take (after startup)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: python -m dlcourse.exercises.run NAME PATH [SECONDS]", file=sys.stderr)
        return 2
    sys.dont_write_bytecode = True  # no __pycache__ in the learner's folder
    seconds = float(argv[2]) if len(argv) == 3 else TIME_LIMIT
    real_stdout, printed, once = sys.stdout, io.StringIO(), threading.Lock()

    def say(verdict: dict) -> None:
        """Print the one verdict: the first to come, the check's or the watchdog's."""
        if once.acquire(blocking=False):
            verdict["output"] = printed.getvalue()[-OUTPUT_LIMIT:]
            real_stdout.write(json.dumps(verdict) + "\n")
            real_stdout.flush()

    with contextlib.redirect_stdout(printed):  # the learner's prints must not break the JSON
        say(judge(argv[0], Path(argv[1]).resolve(), seconds, say))
    return 0


def judge(name: str, file: Path, seconds: float = TIME_LIMIT, say=None) -> dict:
    from dlcourse.exercises import catalog, checking

    exercise = catalog.get(name)
    try:
        check = load(exercise.check, f"_check_{file.stem}")
    except Exception as err:  # noqa: BLE001 - reported as a bug in the course, not the learner
        return _bug(err)
    cpu_only()
    if say is not None:  # the clock starts now: starting Python and torch is not their time
        watchdog(seconds, say)
    try:
        learner = load(file, file.stem if file.stem not in sys.modules else "learner")
    except SyntaxError as err:
        return {"status": "error", "message": syntax_error(err, file)}
    except (NotImplementedError, checking.NotStarted):
        return not_started(file)
    except BaseException as err:  # noqa: BLE001 - SystemExit too: the learner's code stopped
        return {"status": "error", "message": learner_error(err, file)}
    try:
        check.check(learner)
    except checking.Mismatch as err:
        return {"status": "failed", "message": str(err)}
    except (NotImplementedError, checking.NotStarted):
        return not_started(file)
    except BaseException as err:  # noqa: BLE001
        return {"status": "error", "message": learner_error(err, file)}
    return {"status": "passed", "message": ""}


def load(file: Path, name: str):
    """Import a file as module `name`, registered in sys.modules (dataclasses and pickling
    look a class's module up there)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def watchdog(seconds: float, say) -> None:
    """After `seconds`, give the time-out verdict and end the process, whatever the
    learner's code is doing (a loop that never ends, a huge computation)."""
    def stop() -> None:
        say(timed_out(seconds))
        os._exit(0)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()


def timed_out(seconds: float) -> dict:
    return {"status": "error", "timed_out": True,
            "message": msg("exercises.run.timed_out", seconds=f"{seconds:g}")}


def cpu_only() -> None:
    """Checks run on the CPU, whatever the machine has: the same numbers everywhere, and no
    GPU memory taken from a lesson running beside. launch.py hides CUDA from the process
    (CUDA_VISIBLE_DEVICES=""); here torch's default device is pinned to the CPU, once the
    check has imported torch (a check that does not use it pays nothing)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_default_device("cpu")


def not_started(file: Path) -> dict:
    return {"status": "not-started",
            "message": msg("exercises.run.not_started", file=file.name)}


def syntax_error(err: SyntaxError, file: Path) -> str:
    """'file.py, line 3:' then the line, a caret under the spot, and what is wrong."""
    lines = [msg("exercises.run.at_line", file=file.name, line=err.lineno)]
    if err.text:
        text = err.text.rstrip("\n")
        stripped = text.lstrip()
        lines.append(f"    {stripped}")
        if err.offset:
            caret = max(0, err.offset - 1 - (len(text) - len(stripped)))
            lines.append("    " + " " * caret + "^")
    lines.append(f"{type(err).__name__}: {err.msg}")
    return "\n".join(lines)


def learner_error(err: BaseException, file: Path) -> str:
    """The exception, with only the traceback frames that are in the learner's file."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == str(file)]
    what = "".join(traceback.format_exception_only(err)).strip()
    if isinstance(err, SystemExit):
        what = msg("exercises.run.sys_exit", code=repr(err.code))
    lines = [msg("exercises.run.in_function", file=file.name, line=f.lineno, function=f.name)
             + f"\n    {(f.line or '').strip()}" for f in frames]
    if not frames:  # raised in the check, on what the learner's code gave it
        what += "\n" + msg("exercises.run.raised_in_check")
    return "\n".join([*lines, what])


def _bug(err: Exception) -> dict:
    text = "".join(traceback.format_exception(err)).strip()
    return {"status": "error", "bug": True,
            "message": msg("exercises.run.check_bug") + f"\n{text}"}


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stderr.flush()
    os._exit(code)  # threads the learner's code left running must not keep the check alive
