"""`make run`: the web server and the job consumer side by side, for a local demo.

Extra demo processes (e.g. a fake VK community producing comments) are listed in
DEMO_PROCESSES; each is a manage.py command line started in the background and
stopped with the server.
"""

from __future__ import annotations

import atexit
import signal
import socket
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEMO_PROCESSES: list[list[str]] = [
    ["run_huey", "--workers", "2"],
    # A fake VK community on 127.0.0.1:8781 writing comments, collected into the feed live.
    ["demo_fake_vk"],
    # A fake MAX bot on 127.0.0.1:8782: residents write to it, collected into the feed live.
    ["demo_fake_max"],
]
DEMO_PORTS = {8781: "демо-сообщество ВКонтакте"}


def busy_port(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def ensure_ports_free(addrport: str) -> None:
    """Fail with one clear line before anything starts: runserver would leave the helpers running."""
    host, _, port_text = addrport.rpartition(":")
    host = (host or "127.0.0.1").strip("[]")
    if not port_text.isdigit():
        raise CommandError(f"Адрес {addrport!r}: ожидается адрес:порт, например 127.0.0.1:8000.")
    port = int(port_text)
    if busy_port(host, port):
        raise CommandError(
            f"Порт {port} занят (уже запущен Отклик или другая программа): освободите его или запустите make run ADDR={host}:{port + 1}."
        )
    for demo_port, what in DEMO_PORTS.items():
        if busy_port("127.0.0.1", demo_port):
            raise CommandError(f"Порт {demo_port} ({what}) занят: возможно, уже запущен make run — остановите его.")


class Command(BaseCommand):
    help = "Запускает веб-сервер и обработчик фоновых задач для локальной демонстрации."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--check-ports", action="store_true", help="только проверить, что порты свободны")

    def handle(self, *args: Any, addrport: str, check_ports: bool = False, **options: Any) -> None:
        ensure_ports_free(addrport)
        if check_ports:
            return
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
