"""Fixtures of the ``ascc demo`` tests: the real command, run as a child process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from simulator.services import ascc

DEMO_SECONDS = 120  # a hard ceiling for a hung run; the demo itself takes about 10 s


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    return ascc("demo", *args, timeout=DEMO_SECONDS)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict[str, Any]]:
    """One successful ``ascc demo --json --dir DIR``: the folder, the exit code, the document."""
    folder = tmp_path_factory.mktemp("demo") / "kept"
    done = run_demo("--json", "--dir", str(folder))
    assert done.stdout, done.stderr
    return folder, done.returncode, json.loads(done.stdout)
