"""Exceptions: every failure status of libsiren becomes a SirenError.

Each status has its own subclass, which also derives from the closest
built-in exception, so `except ValueError` catches a bad argument whether
Python or the library noticed it:

    status                      exception
    SIREN_ERR_INVALID_ARGUMENT  InvalidArgumentError (ValueError)
    SIREN_ERR_OUT_OF_MEMORY     OutOfMemoryError     (MemoryError)
    SIREN_ERR_TOO_LARGE         TooLargeError        (ValueError)
    SIREN_ERR_IO                FileError            (OSError)
    SIREN_ERR_FORMAT            FormatError          (ValueError)
    SIREN_ERR_VERSION           VersionError         (ValueError)
    SIREN_ERR_STATE             StateError           (RuntimeError)
    SIREN_ERR_NONFINITE         NonFiniteError       (FloatingPointError)
    any other (newer) code      SirenError

The exception carries .status (the int), .status_name ("SIREN_ERR_IO"),
.library_message (siren_status_string's text) and .function (the C function
that failed); str() says all of it and what the call was about.
"""

OK = 0
ERR_INVALID_ARGUMENT = -1
ERR_OUT_OF_MEMORY = -2
ERR_TOO_LARGE = -3
ERR_IO = -4
ERR_FORMAT = -5
ERR_VERSION = -6
ERR_STATE = -7
ERR_NONFINITE = -8

STATUS_NAMES = {
    OK: "SIREN_OK",
    ERR_INVALID_ARGUMENT: "SIREN_ERR_INVALID_ARGUMENT",
    ERR_OUT_OF_MEMORY: "SIREN_ERR_OUT_OF_MEMORY",
    ERR_TOO_LARGE: "SIREN_ERR_TOO_LARGE",
    ERR_IO: "SIREN_ERR_IO",
    ERR_FORMAT: "SIREN_ERR_FORMAT",
    ERR_VERSION: "SIREN_ERR_VERSION",
    ERR_STATE: "SIREN_ERR_STATE",
    ERR_NONFINITE: "SIREN_ERR_NONFINITE",
}


class SirenError(Exception):
    """A libsiren call returned a failure status."""
    status = None
    status_name = None
    library_message = None
    function = None


class InvalidArgumentError(SirenError, ValueError):
    """SIREN_ERR_INVALID_ARGUMENT."""


class OutOfMemoryError(SirenError, MemoryError):
    """SIREN_ERR_OUT_OF_MEMORY."""


class TooLargeError(SirenError, ValueError):
    """SIREN_ERR_TOO_LARGE: a size would overflow, or more points than the
    workspace's max_points."""


class FileError(SirenError, OSError):
    """SIREN_ERR_IO: a file could not be opened, read or written."""


class FormatError(SirenError, ValueError):
    """SIREN_ERR_FORMAT: not a libsiren file, truncated or corrupt."""


class VersionError(SirenError, ValueError):
    """SIREN_ERR_VERSION: a file from a newer format version."""


class StateError(SirenError, RuntimeError):
    """SIREN_ERR_STATE: e.g. backward without forward, a workspace or
    optimiser of another architecture."""


class NonFiniteError(SirenError, FloatingPointError):
    """SIREN_ERR_NONFINITE: NaN or infinite gradients; the Adam step
    changed nothing (parameters, moments, step count, gradients)."""


_CLASSES = {
    ERR_INVALID_ARGUMENT: InvalidArgumentError,
    ERR_OUT_OF_MEMORY: OutOfMemoryError,
    ERR_TOO_LARGE: TooLargeError,
    ERR_IO: FileError,
    ERR_FORMAT: FormatError,
    ERR_VERSION: VersionError,
    ERR_STATE: StateError,
    ERR_NONFINITE: NonFiniteError,
}


def error_for(status, function, library_message, context=None):
    """The exception for a failure status of `function`. Built with one
    message argument (OSError would read several as errno, strerror)."""
    name = STATUS_NAMES.get(status, "status %d" % status)
    message = "%s: %s (%s)" % (function, library_message, name)
    if context:
        message += ": " + context
    error = _CLASSES.get(status, SirenError)(message)
    error.status = status
    error.status_name = name
    error.library_message = library_message
    error.function = function
    return error


def check(lib, status, function, context=None):
    """Raises the matching SirenError unless status is SIREN_OK."""
    if status != OK:
        raise error_for(status, function, lib.status_string(status), context)
