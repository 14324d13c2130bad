"""The package as installed: public names, and a light import for the pytest plugin."""

from __future__ import annotations

import subprocess
import sys

import practitest_async


def test_every_public_name_resolves() -> None:
    for name in practitest_async.__all__:
        assert getattr(practitest_async, name) is not None, name
    assert practitest_async.Status is practitest_async.RunStatus


def test_loading_the_pytest_plugin_does_not_import_the_http_stack() -> None:
    # pytest loads our plugin in every session of anyone who installs us, even when it is off.
    code = (
        "import sys, practitest_async.pytest_plugin\n"
        "heavy = {'aiohttp', 'cattrs', 'practitest_async.client'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
