"""How a run can end other than by finishing: errors the user can fix, and training outcomes.

Every layer raises these; only the command line turns them into a paragraph and an exit code.
"""

import signal

from dlcourse.i18n import msg


class UserError(Exception):
    """Bad input from the user; the CLI prints the message and exits with code 2."""

    exit_code = 2


class DataError(UserError):
    """Data that is missing, corrupt or in the wrong format."""


class Quit(Exception):  # noqa: N818 - it is a signal, not a failure
    """The user typed q at a pause: stop cleanly, keeping what is finished."""


class Diverged(Exception):  # noqa: N818 - an outcome of training, named for the user
    """The loss blew up (nan, inf, or far above where it started); exit code 1.

    `result`, when the engine raised it, holds what the epochs before it achieved."""

    exit_code = 1

    def __init__(self, step: int, loss: float):
        super().__init__(msg("errors.diverged", loss=f"{loss:.3g}", step=step))
        self.step, self.loss = step, loss
        self.result = None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, or a SIGTERM or SIGHUP treated the same way: stop, keep what finished.

    The exit code is 128 + the signal's number, as shells report a process a signal ended
    (130 for Ctrl-C)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.result = None

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
