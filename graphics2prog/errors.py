"""The one error family the command line reports as bad input (exit status 2).

Modules raise a subclass with a one-line message naming what was wrong; anything else that
escapes is an internal error (exit status 1).
"""


class InputError(ValueError):
    """Bad user input: a missing or malformed file, a value out of range."""


class SpecError(InputError):
    """A spec, primitive or program that cannot be read or is not valid; the message says why."""
