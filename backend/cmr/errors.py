"""Exceptions of the analysis core.

Every error carries a message written for a trainee: what was wrong and what was expected. The web application
maps :class:`CMRError` (and only it) to an HTTP 400; the ``assess`` command maps it to exit status 2.
Pattern: pydicom ``errors.py`` (exceptions with a useful default message).
"""

from __future__ import annotations


class CMRError(ValueError):
    """Base class: bad input that the user can fix. ``str(err)`` is a one-line, user-facing message."""

    default_message = "The input could not be analysed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class InvalidImageError(CMRError):
    """The image upload is not a usable DICOM short-axis image, map or echo series."""

    default_message = "The file is not a usable DICOM image."


class InvalidContourError(CMRError):
    """The contour file cannot be read, or its contours are not a valid endocardium/epicardium pair."""

    default_message = "The contour file does not hold a usable endocardium and epicardium."


class FitError(CMRError):
    """A relaxometry fit could not be made from the data given."""

    default_message = "The signal could not be fitted."
