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

A FileError also derives from the built-in exception of its OS reason
(errno, which libsiren leaves as the failing system call set it): a
missing file raises a FileError that is a FileNotFoundError, no permission
one that is a PermissionError, a directory an IsADirectoryError, and so on
(.errno, .strerror and .filename are set as for any OSError).

The exception carries .status (the int), .status_name ("SIREN_ERR_IO"),
.library_message (siren_status_string's text) and .function (the C function
that failed); str() says all of it and what the call was about. For
SIREN_ERR_STATE, whose causes are many, the bindings say which cause it was
in place of the library's general text.
"""

import errno as _errno
import os as _os

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

    def __str__(self):
        # The message as built, also for the OSError subclasses (whose
        # str() would otherwise be "[Errno N] ..." once errno is set).
        return self.args[0] if self.args else ""


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


# The OSError subclasses Python itself raises for these errno values.
_OS_REASONS = {
    _errno.ENOENT: FileNotFoundError,
    _errno.EACCES: PermissionError,
    _errno.EPERM: PermissionError,
    _errno.EISDIR: IsADirectoryError,
    _errno.ENOTDIR: NotADirectoryError,
    _errno.EEXIST: FileExistsError,
    _errno.EINTR: InterruptedError,
}
_FILE_ERRORS = {}


def _file_error_class(os_errno):
    """FileError, or a subclass of it and of the built-in exception of
    os_errno (FileError-FileNotFoundError, ...), made once."""
    builtin = _OS_REASONS.get(os_errno)
    if builtin is None:
        return FileError
    if builtin not in _FILE_ERRORS:
        _FILE_ERRORS[builtin] = type(
            "FileError" + builtin.__name__.replace("Error", ""), (FileError, builtin),
            {"__doc__": "SIREN_ERR_IO whose OS reason is a %s." % builtin.__name__,
             "__module__": __name__})
    return _FILE_ERRORS[builtin]


def error_for(status, function, library_message, context=None, cause=None, os_errno=None,
              filename=None):
    """The exception for a failure status of `function`. Built with one
    message argument (OSError would read several as errno, strerror).
    cause: what went wrong, in place of the library's text (STATE).
    os_errno, filename: the OS reason of SIREN_ERR_IO and the file."""
    name = STATUS_NAMES.get(status, "status %d" % status)
    message = "%s: %s (%s)" % (function, cause or library_message, name)
    cls = _CLASSES.get(status, SirenError)
    if status == ERR_IO and os_errno:
        cls = _file_error_class(os_errno)
        reason = _os.strerror(os_errno)
        message += ": %s" % reason
    if context:
        message += ": " + context
    error = cls(message)
    error.status = status
    error.status_name = name
    error.library_message = library_message
    error.function = function
    if status == ERR_IO:
        error.errno = os_errno or None
        error.strerror = _os.strerror(os_errno) if os_errno else None
        error.filename = filename
    return error


def check(lib, status, function, context=None, cause=None, os_errno=None, filename=None):
    """Raises the matching SirenError unless status is SIREN_OK. cause (a
    string, or a function of no arguments called only then) replaces the
    library's text for SIREN_ERR_STATE."""
    if status != OK:
        cause = (cause() if callable(cause) else cause) if status == ERR_STATE else None
        raise error_for(status, function, lib.status_string(status), context, cause, os_errno,
                        filename)
