//! Errors: a libsiren status, or a check of this crate, with its message.

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

use crate::sys;

/// The failure statuses of siren.h; `Other` holds a code this crate does
/// not know (a newer library may append codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    InvalidArgument,
    OutOfMemory,
    TooLarge,
    Io,
    Format,
    Version,
    State,
    NonFinite,
    Other(i32),
}

impl Status {
    pub fn from_code(code: c_int) -> Status {
        match code {
            sys::SIREN_ERR_INVALID_ARGUMENT => Status::InvalidArgument,
            sys::SIREN_ERR_OUT_OF_MEMORY => Status::OutOfMemory,
            sys::SIREN_ERR_TOO_LARGE => Status::TooLarge,
            sys::SIREN_ERR_IO => Status::Io,
            sys::SIREN_ERR_FORMAT => Status::Format,
            sys::SIREN_ERR_VERSION => Status::Version,
            sys::SIREN_ERR_STATE => Status::State,
            sys::SIREN_ERR_NONFINITE => Status::NonFinite,
            other => Status::Other(other),
        }
    }

    /// The C value (negative).
    pub fn code(self) -> c_int {
        match self {
            Status::InvalidArgument => sys::SIREN_ERR_INVALID_ARGUMENT,
            Status::OutOfMemory => sys::SIREN_ERR_OUT_OF_MEMORY,
            Status::TooLarge => sys::SIREN_ERR_TOO_LARGE,
            Status::Io => sys::SIREN_ERR_IO,
            Status::Format => sys::SIREN_ERR_FORMAT,
            Status::Version => sys::SIREN_ERR_VERSION,
            Status::State => sys::SIREN_ERR_STATE,
            Status::NonFinite => sys::SIREN_ERR_NONFINITE,
            Status::Other(code) => code,
        }
    }

    /// siren_status_string: the library's description.
    pub fn message(self) -> String {
        // SAFETY: never NULL, a static string (siren.h).
        unsafe { CStr::from_ptr(sys::siren_status_string(self.code())) }
            .to_string_lossy()
            .into_owned()
    }
}

/// A failed call: the status, the C function (or the crate's check) that
/// reported it, a message made of the library's text and the details, and
/// for `Status::Io` the OS's reason (errno, which the library leaves as the
/// failing system call set it): `io_error()` gives it as a std::io::Error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: Status,
    pub function: &'static str,
    pub message: String,
    /// errno of a file function that failed with Status::Io.
    pub os_error: Option<i32>,
}

impl Error {
    /// An error of the library: status_string's text, with details.
    pub(crate) fn library(code: c_int, function: &'static str, details: String) -> Error {
        let status = Status::from_code(code);
        let mut message = status.message();
        if !details.is_empty() {
            message = format!("{}: {}", message, details);
        }
        Error { status, function, message, os_error: None }
    }

    /// A file function's failure, with errno as the library left it
    /// (read right after the call, before anything else can change it).
    pub(crate) fn file(code: c_int, os_errno: i32, function: &'static str, path: String) -> Error {
        let mut error = Error::library(code, function, String::new());
        if error.status == Status::Io && os_errno != 0 {
            error.os_error = Some(os_errno);
            error.message = format!(
                "{}: {}: {}",
                error.message,
                path,
                std::io::Error::from_raw_os_error(os_errno)
            );
        } else {
            error.message = format!("{}: {}", error.message, path);
        }
        error
    }

    /// The OS reason of a file error (NotFound, PermissionDenied...).
    pub fn io_error(&self) -> Option<std::io::Error> {
        self.os_error.map(std::io::Error::from_raw_os_error)
    }

    /// A check of this crate that stops a call before it reaches the
    /// library (wrong slice length, a NUL in a path): INVALID_ARGUMENT.
    pub(crate) fn argument(function: &'static str, message: String) -> Error {
        Error { status: Status::InvalidArgument, function, message, os_error: None }
    }
}

impl Error {
    /// A call the crate refuses as the library would, with STATE: a
    /// workspace or optimiser used with a network of another architecture.
    pub(crate) fn state(function: &'static str, message: String) -> Error {
        Error { status: Status::State, function, message, os_error: None }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.function, self.message, self.status.code())
    }
}

impl std::error::Error for Error {}

/// A file error becomes the io::Error of its OS reason (kind NotFound,
/// PermissionDenied...), others io::ErrorKind::Other; the message is kept.
impl From<Error> for std::io::Error {
    fn from(error: Error) -> std::io::Error {
        let kind = error.io_error().map_or(std::io::ErrorKind::Other, |e| e.kind());
        std::io::Error::new(kind, error)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Ok(()) for SIREN_OK, else the error of `function`.
pub(crate) fn check(code: c_int, function: &'static str) -> Result<()> {
    check_with(code, function, String::new)
}

/// A file function's status: on failure the error carries errno, which
/// must be read before any other call (this does it at once).
pub(crate) fn check_file(
    code: c_int,
    function: &'static str,
    path: &std::path::Path,
) -> Result<()> {
    if code == sys::SIREN_OK {
        return Ok(());
    }
    let os_errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    Err(Error::file(code, os_errno, function, path.display().to_string()))
}

/// Like check, with details computed only on failure.
pub(crate) fn check_with(
    code: c_int,
    function: &'static str,
    details: impl FnOnce() -> String,
) -> Result<()> {
    if code == sys::SIREN_OK {
        Ok(())
    } else {
        Err(Error::library(code, function, details()))
    }
}
