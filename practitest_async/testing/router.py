"""The route table's machinery: templates like ``/api/v2/projects/{p}/tests/{id}.json``.

Unknown paths get 404, a known path with another method 405, and a known path asked for in
another format (no ``.json``, or ``.xml``) 406, as PractiTest documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

from practitest_async.testing.context import Handler
from practitest_async.testing.errors import ApiError

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _compile(template: str) -> re.Pattern[str]:
    parts = _PLACEHOLDER.split(template)
    # split() alternates literal text and placeholder names
    pattern = "".join(re.escape(p) if i % 2 == 0 else rf"(?P<{p}>\d+)" for i, p in enumerate(parts))
    return re.compile(pattern + r"\Z")


@attrs.frozen
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str] = attrs.field(
        init=False, default=attrs.Factory(lambda self: _compile(self.template), takes_self=True)
    )

    @property
    def key(self) -> str:
        """The name counters use, e.g. ``POST /api/v2/projects/{p}/runs.json``."""
        return f"{self.method} {self.template}"

    @property
    def is_json(self) -> bool:
        return self.template.endswith(".json")


@attrs.frozen
class Match:
    route: Route
    params: Mapping[str, int]


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(routes)

    def template_of(self, path: str) -> str | None:
        """The route template ``path`` belongs to, whatever the method (for counters)."""
        for route in self.routes:
            if route.pattern.match(path):
                return route.template
        return None

    def resolve(self, method: str, path: str) -> Match:
        candidates = [(r, m) for r in self.routes if (m := r.pattern.match(path))]
        for route, m in candidates:
            if route.method == method:
                return Match(route, {k: int(v) for k, v in m.groupdict().items()})
        if candidates:
            allowed = ", ".join(sorted({r.method for r, _ in candidates}))
            raise ApiError(
                405,
                f"{method} is not allowed on {path}; allowed: {allowed}",
                headers={"Allow": allowed},
            )
        if self._is_other_format(path):
            raise ApiError(406, f"{path} asks for a format other than json")
        raise ApiError(404, f"no such endpoint: {method} {path}")

    def _is_other_format(self, path: str) -> bool:
        stem, dot, ext = path.rpartition(".")
        as_json = f"{stem}.json" if dot and "/" not in ext else f"{path}.json"
        return any(r.pattern.match(as_json) for r in self.routes)
