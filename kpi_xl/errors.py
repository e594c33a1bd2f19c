"""Errors the command line shows to users as ``Error: <sentence>`` (exit code 1).

Library code outside the scoring core raises subclasses of ``UserFacingError`` for
expected failures (a corrupt file, a missing sheet, bad data), with a message that
is a finished sentence naming the file, sheet and cell where it can.
"""


class UserFacingError(Exception):
    """An expected failure whose message is shown to the user as it is."""
