"""rlc python: the exceptions raised for rlc's error statuses.

Every exception's message is rlc's own (the same text the rlc program prints), and `status`
names the rlc status ("config error", "not found", ...). The classes also derive from the
matching built-in exception, so `except ValueError` catches a bad argument or config.
"""


class RlcError(RuntimeError):
    """An error reported by rlc; str(e) is rlc's message, e.status its status name."""

    def __init__(self, message, status="error"):
        super().__init__(message)
        self.status = status


class InvalidArgument(RlcError, ValueError):
    """A bad argument: an unknown option value, an action outside the action space, ..."""


class ConfigError(RlcError, ValueError):
    """Malformed YAML or a config key that is unknown, of the wrong type or out of range."""


class NotFound(RlcError, LookupError):
    """An environment id, algorithm or loss name that is not registered."""


class Interrupted(RlcError):
    """Training stopped by SIGINT or SIGTERM after writing a checkpoint (resume it)."""


# rl_status codes (core/status.h) -> class
_CLASSES = {1: InvalidArgument, 3: ConfigError, 4: ConfigError, 9: NotFound, 10: Interrupted}


def status_error(code, name, message):
    return _CLASSES.get(code, RlcError)(message or name, name)
