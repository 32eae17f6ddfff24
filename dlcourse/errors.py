"""Errors the user can fix: printed as one paragraph, never as a traceback."""


class UserError(Exception):
    """Bad input from the user; the CLI prints the message and exits with code 2."""

    exit_code = 2


class DataError(UserError):
    """Data that is missing, corrupt or in the wrong format."""


class Quit(Exception):  # noqa: N818 - it is a signal, not a failure
    """The user typed q at a pause: stop cleanly, keeping what is finished."""
