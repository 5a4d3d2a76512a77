"""`make run` on a busy port: one clear line, nothing started."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_it_refuses_a_busy_port_with_one_line_and_starts_nothing():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "run_demo", f"127.0.0.1:{port}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"CommandError: Порт {port} занят")
    assert f"make run ADDR=127.0.0.1:{port + 1}" in lines[0]
    assert result.stdout == ""  # no helper process was started (they announce themselves)
