"""`make run`: the web server and the job consumer side by side, for a local demo.

Extra demo processes (e.g. a fake VK community producing comments) are listed in
DEMO_PROCESSES; each is a manage.py command line started in the background and
stopped with the server.
"""

from __future__ import annotations

import atexit
import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_PROCESSES: list[list[str]] = [
    ["run_huey", "--workers", "2"],
    # A fake VK community on 127.0.0.1:8781 writing comments, collected into the feed live.
    ["demo_fake_vk"],
    # A fake MAX bot on 127.0.0.1:8782: residents write to it, collected into the feed live.
    ["demo_fake_max"],
]


class Command(BaseCommand):
    help = "Запускает веб-сервер и обработчик фоновых задач для локальной демонстрации."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        children: list[subprocess.Popen[bytes]] = []
        for cmd in DEMO_PROCESSES:
            children.append(subprocess.Popen([sys.executable, "manage.py", *cmd]))

        def stop_children() -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

        atexit.register(stop_children)
        self.stdout.write(f"Отклик: http://{addrport}/ (Ctrl+C — остановить)")
        call_command("runserver", addrport, use_reloader=False)
