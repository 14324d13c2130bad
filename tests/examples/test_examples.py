"""Every example runs against the emulator, so none of them can rot."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRACTITEST_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("async_harness.py", "50 uploaded, 0 failed"),
        ("clone_set_for_version.py", "12 uploaded, 0 failed"),
    ],
)
def test_python_examples(script: str, expected: str) -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_shell_example() -> None:
    env = {**_env(), "PORT": str(_free_port())}
    done = subprocess.run(
        ["bash", str(EXAMPLES / "upload_from_shell.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "22 uploaded, 0 failed" in done.stdout
