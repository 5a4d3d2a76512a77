"""The `otklik` command: one entry point for operators (wraps manage.py).

    otklik run [args]        web server: gunicorn in production (OTKLIK_ENV=production or --gunicorn),
                             Django's development server otherwise
    otklik worker [args]     background job consumer (huey)
    otklik migrate | createsuperuser | backup | restore | rotate_credentials | personal_data | ...
                             any manage.py command

A missing or wrong environment variable stops start-up with one line naming it (exit code 2),
not a stack trace.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

USAGE = """Использование: otklik КОМАНДА [параметры]

  run                  веб-сервер (gunicorn в промышленном режиме OTKLIK_ENV=production)
  worker               обработчик фоновых задач
  migrate              применить миграции базы данных
  createsuperuser      создать администратора
  collectstatic        собрать статические файлы (промышленный режим)
  backup [ФАЙЛ]        резервная копия базы и вложений
  restore ФАЙЛ         восстановление из копии в пустую базу
  rotate_credentials   перешифровать секреты новым ключом
  generate_encryption_key   новый ключ для OTKLIK_ENCRYPTION_KEYS
  personal_data        выгрузка/удаление данных автора (152-ФЗ)
  check --deploy       проверка настроек перед запуском
  version              версия

Любая другая команда передаётся manage.py (otklik help — их список).
Настройки — переменные окружения, см. docs/deploy.md и deploy/otklik.env.example.
"""


def _fail(message: str) -> int:
    print(f"otklik: ошибка настройки — {message}", file=sys.stderr)
    print("Проверьте переменные окружения (docs/deploy.md, deploy/otklik.env.example).", file=sys.stderr)
    return 2


def _load_settings() -> int:
    """Import settings and set Django up; a configuration error becomes one clear line."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018  (forces the settings module to load)
        django.setup()
    except ImproperlyConfigured as exc:
        return _fail(str(exc))
    except OSError as exc:  # e.g. a data folder that cannot be created
        return _fail(f"{exc.filename or ''}: {exc.strerror} (проверьте OTKLIK_DATA_DIR, OTKLIK_MEDIA_DIR и права)")
    return 0


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("otklik")
    except Exception:
        return "unknown"


def _gunicorn(args: list[str]) -> int:
    from django.conf import settings

    multiproc = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(Path(settings.DATA_DIR) / "prometheus")
    Path(multiproc).mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiproc
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:otklik.ops.gunicorn_conf",
        *args,
        "otklik.wsgi:application",
    ]
    sys.stdout.flush()
    os.execv(sys.executable, argv)  # noqa: S606  (replaces this process: systemd sees gunicorn directly)
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    command = argv[0] if argv else "--help"
    if command in ("-h", "--help"):
        print(USAGE)
        return 0
    if command in ("version", "--version"):
        print(f"otklik {_version()}")
        return 0
    if command == "generate_encryption_key":
        # Needed before the settings exist (production requires the key): no Django here.
        from cryptography.fernet import Fernet

        print(Fernet.generate_key().decode())
        return 0
    status = _load_settings()
    if status:
        return status
    from django.conf import settings
    from django.core.management import execute_from_command_line

    if command == "run":
        rest = argv[1:]
        if settings.PRODUCTION or "--gunicorn" in rest:
            return _gunicorn([a for a in rest if a != "--gunicorn"])
        bind = os.environ.get("OTKLIK_BIND", "127.0.0.1:8000")
        execute_from_command_line(["otklik", "runserver", bind, *rest])
        return 0
    if command == "worker":
        execute_from_command_line(["otklik", "run_huey", *argv[1:]])
        return 0
    execute_from_command_line(["otklik", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
