"""A result on its way through the uploader, and where the upload writes (its scope).

Shared by the router, the sender, the reconciler and the outcomes: none of them owns a
:class:`Pending`; each moves it one step (placed, queued, in doubt, done).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable

import attrs

from .index import Key
from .results import RunResult


@attrs.define(eq=False)
class Pending:
    """A result on its way: its key, its marker and, once known, its instance."""

    result: RunResult
    key: str
    marker: str
    instance_id: int | None = None
    resends: int = 0
    queued: bool = False  # handed to a request or a wait: no longer the router's to fail
    in_doubt: bool = False  # a request carrying it left and its outcome is not known yet
    done: bool = False
    cached: bool = False  # its instance came from the id cache (healed if refused as stale)
    slim: bool = False  # sent without its files (a gateway refused it as too large)
    released: bool = False  # its bytes no longer count against the uploader's buffer

    @functools.cached_property
    def fingerprint(self) -> str:
        """What the result says, hashed, leaving out what changes from one execution of the
        same outcome to the next (duration, output text): a resumed or retried upload matches
        its journal, while another upload reusing the journal is caught when a status moved."""
        r = self.result
        parts: list[object] = [r.name, r.status.value, r.version, r.test_id, r.instance_id]
        parts += [sorted(r.custom_fields.items()), sorted(a.filename for a in r.attachments)]
        parts += [(s.name, s.status.value) for s in r.steps]
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]

    @property
    def has_files(self) -> bool:
        """Whether the result carries attachments (or an output long enough to attach)."""
        r = self.result
        return bool(
            r.attachments or any(s.attachments for s in r.steps) or len(r.output or "") > 200
        )

    @property
    def weight(self) -> int:
        """Roughly how many bytes the result adds to a request (attachments dominate)."""
        return 2048 if self.slim else self._full_weight

    @functools.cached_property
    def _full_weight(self) -> int:
        # Read about four times per result while requests are packed: worked out once.
        r = self.result
        if not (r.attachments or r.steps or r.output):
            return 2048
        files = list(r.attachments) + [a for s in r.steps for a in s.attachments]
        output = len(r.output or "")  # in the run, and base64 in its output file
        return 2048 + output + output * 4 // 3 + sum(len(f.content) * 4 // 3 for f in files)


def result_bytes(result: RunResult) -> int:
    """Roughly how much memory a result holds until it is settled, with what is made of it on
    the way (its output, in the run and base64 in its output file; its attachments, base64)."""
    if not (result.attachments or result.steps or result.output):  # most results
        return 2048
    files = sum(len(a.content) for a in result.attachments)
    files += sum(len(a.content) for s in result.steps for a in s.attachments)
    output = len(result.output or "")
    return 2048 + output + output * 4 // 3 + files * 7 // 3


@attrs.define
class UploadScope:
    """Where this upload writes, known once the set is: filled in by the router.

    ``journal`` is the journal's scope (base URL, project, set); ``markers`` adds the upload's
    nonce, so that markers of one upload never match another's; ``began`` is when the upload
    first began (kept in the journal, so a resumed upload reads back far enough).
    """

    began: float
    set_id: int | None = None
    journal: str = ""
    markers: str = ""


def instance_key(result: RunResult) -> Key:
    """How the set's instance index knows the instance of ``result``."""
    # A test id is an int and a name a str, so they never collide as keys.
    return result.test_id if result.test_id is not None else result.name


def derived_key(name: str, test_id: int | None, instance_id: int | None, ordinal: int) -> str:
    """The key of a result that has none of its own: its identity and its ordinal."""
    if test_id is None and instance_id is None:  # most results: known by name alone
        return f"{name}#{ordinal}"
    parts = [name]
    if test_id is not None:
        parts.append(f"test={test_id}")
    if instance_id is not None:
        parts.append(f"instance={instance_id}")
    return "|".join(parts) + f"#{ordinal}"


def settled(pendings: Iterable[Pending]) -> None:
    """PractiTest refused these whole: they were not applied."""
    for p in pendings:
        p.in_doubt = False
