"""What the uploader accepts from PractiTest: an answer it cannot understand is an error.

Never "absent": a listing whose items lack the ids the uploader routes by (an instance without
its ``test-id``, a run without its ``instance-id``), a page that is not a JSON:API list (``[]``,
an empty body) or an answer that is not JSON would otherwise read as "no such instance" and
make a duplicate. Reads raise :class:`UnreadableAnswerError`; a write whose answer cannot be
read may have been applied, so :class:`.LiveWriter` turns it into an
:class:`~practitest_async.errors.OutcomeUnknownError`, which is reconciled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from ..codec import Ref
from ..errors import APIError, PractiTestError
from ..models import Instance, Run, Test

InstanceT = TypeVar("InstanceT", Instance, Ref)
RunT = TypeVar("RunT", Run, Ref)
TestT = TypeVar("TestT", Test, Ref)

# What a decoder raises on a shape it does not expect.
DECODE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError)


class UnreadableAnswerError(PractiTestError):
    """PractiTest answered something the uploader cannot understand (not JSON, or without
    what the API documents); ``what`` names the call."""

    def __init__(self, what: str, detail: str) -> None:
        self.what = what
        self.detail = detail
        super().__init__(f"{what}: PractiTest's answer could not be understood ({detail})")


def unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` says an answer came but could not be read (a 2xx that is not JSON, a
    body of the wrong shape), as opposed to a refusal or no answer at all."""
    if isinstance(exc, APIError):  # a 2xx we could not read, not a refusal or a redirect
        return 200 <= exc.status < 300
    if isinstance(exc, UnreadableAnswerError):
        return True
    return isinstance(exc, DECODE_ERRORS) and not isinstance(exc, PractiTestError)


@contextmanager
def understood(what: str) -> Iterator[None]:
    """Turn an answer that cannot be read, inside the block, into :class:`UnreadableAnswerError`
    naming ``what`` (other errors pass unchanged)."""
    try:
        yield
    except UnreadableAnswerError:
        raise
    except Exception as exc:
        if not unreadable(exc):
            raise
        raise UnreadableAnswerError(what, f"{type(exc).__name__}: {exc}"[:300]) from exc


def check_instance(instance: InstanceT, what: str) -> InstanceT:
    """An instance the uploader can route by (it has its test id)."""
    if instance.test_id is None:
        raise UnreadableAnswerError(what, f"instance {instance.id} has no test-id")
    return instance


def check_test(test: TestT, what: str) -> TestT:
    """A test the uploader can match by name."""
    if test.name is None:
        raise UnreadableAnswerError(what, f"test {test.id} has no name")
    return test


def check_run(run: RunT, what: str) -> RunT:
    """A run the uploader can match to its result (it has its instance id)."""
    if run.instance_id is None:
        raise UnreadableAnswerError(what, f"run {run.id} has no instance-id")
    return run
