"""Exceptions raised by :mod:`jobpool`."""

from __future__ import annotations


class JobPoolError(Exception):
    """Base class of the errors specific to job pools."""


class QueueFullError(JobPoolError):
    """The pool's queue stayed full for the whole time a submit was willing to wait."""


class JobCancelledError(JobPoolError):
    """The result of a cancelled job was asked for."""
