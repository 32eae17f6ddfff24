"""`check --watch` with real file writes: the watcher sees a save, checks again, and Ctrl-C
leaves cleanly."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from dlcourse.exercises import watch

WAIT = 90  # seconds to wait for an expected line: generous, a busy 2-core machine is slow


def test_on_save_calls_back_for_the_file_and_only_for_it(tmp_path):
    mine, other = tmp_path / "mine.py", tmp_path / "other.py"
    mine.write_text("a = 1\n")
    saves, stop = queue.Queue(), threading.Event()
    watcher = threading.Thread(target=watch.on_save, args=(mine, lambda: saves.put(1), stop))
    watcher.start()
    try:
        time.sleep(1)  # let the watcher start before the writes it must see
        other.write_text("b = 2\n")
        mine.write_text("a = 2\n")
        assert saves.get(timeout=WAIT) == 1
        time.sleep(1)
        assert saves.empty(), "one save, one check: the other file's write is ignored"
        tmp = tmp_path / "mine.py.swp"  # an editor that writes a new file and renames it
        tmp.write_text("a = 3\n")
        tmp.replace(mine)
        assert saves.get(timeout=WAIT) == 1
    finally:
        stop.set()
        watcher.join(timeout=WAIT)
    assert not watcher.is_alive()


def read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def wait_for(lines: queue.Queue, text: str, seen: list[str]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"no line with {text!r} in:\n{''.join(seen)}")


def test_watch_rechecks_on_save_and_ctrl_c_leaves(catalogue, tmp_path):
    folder = tmp_path / "dlcourse-exercises"
    folder.mkdir()
    mine = folder / "double_it.py"
    mine.write_text((catalogue / "starters" / "double_it.py").read_text())
    watcher = subprocess.Popen(
        [sys.executable, "-m", "dlcourse", "exercise", "check", "double-it", "--watch"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
    lines, seen = queue.Queue(), []
    threading.Thread(target=read_lines, args=(watcher.stdout, lines), daemon=True).start()
    try:
        wait_for(lines, "Not started yet", seen)  # the first check, at once
        wait_for(lines, "Watching", seen)
        time.sleep(1)
        mine.write_text("def double(x):\n    return 2 * x\n")
        wait_for(lines, "✓ Passed: Double a number.", seen)
        wait_for(lines, "Watching", seen)
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=WAIT) == 0
        wait_for(lines, "Stopped watching.", seen)
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert "Traceback" not in "".join(seen)
