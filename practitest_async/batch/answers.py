"""What the uploader accepts from PractiTest: an answer it cannot understand is an error.

Never "absent": a listing whose items lack the ids the uploader routes by (an instance without
its ``test-id``, a run without its ``instance-id``), a page that is not a JSON:API list (``[]``,
an empty body) or an answer that is not JSON would otherwise read as "no such instance" and
make a duplicate. The services raise :class:`~practitest_async.errors.ResponseDecodeError`
(naming the call, status 200) for an answer that is not JSON or not a JSON:API document; the
checks here raise the same error for one that lacks what the uploader routes by. On a read it
is an error; a write whose answer cannot be read may have been applied, so
:class:`.LiveWriter` turns it into an :class:`~practitest_async.errors.OutcomeUnknownError`,
which is reconciled.
"""

from __future__ import annotations

from typing import TypeVar

from ..codec import Ref
from ..errors import ResponseDecodeError
from ..models import Instance, Run, Test

InstanceT = TypeVar("InstanceT", Instance, Ref)
RunT = TypeVar("RunT", Run, Ref)
TestT = TypeVar("TestT", Test, Ref)


def unreadable(method: str, path: str, detail: str) -> ResponseDecodeError:
    """The error for a 2xx answer to ``method path`` that lacks what the uploader needs."""
    return ResponseDecodeError(
        status=200, method=method, path=path, titles=[f"the answer cannot be read: {detail}"]
    )


def check_instance(instance: InstanceT, method: str, path: str) -> InstanceT:
    """An instance the uploader can route by (it has its test id)."""
    if instance.test_id is None:
        raise unreadable(method, path, f"instance {instance.id} has no test-id")
    return instance


def check_test(test: TestT, method: str, path: str) -> TestT:
    """A test the uploader can match by name."""
    if test.name is None:
        raise unreadable(method, path, f"test {test.id} has no name")
    return test


def check_run(run: RunT, method: str, path: str) -> RunT:
    """A run the uploader can match to its result (it has its instance id)."""
    if run.instance_id is None:
        raise unreadable(method, path, f"run {run.id} has no instance-id")
    return run
