"""``manage.py worktime add START DURATION`` and ``manage.py worktime between START END``.

Without ``--municipality`` the Russian production calendar with the default schedule is used
(no database rows needed). START/END are ISO 8601; without an offset, the calendar's timezone.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from otklik.worktime import ScheduleError, WorkingCalendar, parse_duration


class OneLineParser(CommandParser):
    """Argument errors as one line (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        if self.called_from_command_line:
            sys.stderr.write(f"{self.prog}: ошибка: {message}\n")
            sys.exit(2)
        raise CommandError(f"Error: {message}")


def parse_moment(text: str, calendar: WorkingCalendar) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"Не удалось разобрать время {text!r}: ожидается ISO 8601, например 2025-03-07T15:00:00+03:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=calendar.tz)
    return moment


def format_working(delta: dt.timedelta) -> str:
    """``H:MM:SS`` (hours may exceed 24; sub-second parts are dropped)."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


class Command(BaseCommand):
    help = "Рабочее время: срок от момента (add) или рабочее время между моментами (between)."
    requires_system_checks: list[str] = []  # a calculator: no need to load every URLconf first

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.__class__ = OneLineParser
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="add|between", required=True, parser_class=OneLineParser)
        add = actions.add_parser("add", help="срок: START + DURATION")
        add.add_argument("start", metavar="START", help="ISO 8601, например 2025-03-07T15:00")
        add.add_argument("duration", metavar="DURATION", help="30m, 1h, 1h30m, 7d (рабочие дни), 90cm")
        between = actions.add_parser("between", help="рабочее время между START и END")
        between.add_argument("start", metavar="START")
        between.add_argument("end", metavar="END")
        for sub in (add, between):
            sub.add_argument("--municipality", metavar="SLUG", help="календарь муниципалитета (код)")
            sub.add_argument("--tz", metavar="TZ", help="часовой пояс без --municipality (Europe/Moscow)")
            sub.add_argument("--json", action="store_true", help="вывод в JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        calendar = self.calendar(options.get("municipality"), options.get("tz"))
        try:
            if options["action"] == "add":
                start = parse_moment(options["start"], calendar)
                try:
                    duration = parse_duration(options["duration"])
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
                due = calendar.add(start, duration)
                self.emit(options, {"due": due.isoformat()}, due.isoformat())
            else:
                start = parse_moment(options["start"], calendar)
                end = parse_moment(options["end"], calendar)
                working = calendar.between(start, end)
                self.emit(options, {"working_seconds": int(working.total_seconds())}, format_working(working))
        except (ValueError, OverflowError) as exc:
            raise CommandError(str(exc).replace("\n", " ")) from None

    def calendar(self, slug: str | None, tz: str | None) -> WorkingCalendar:
        if slug is None:
            try:
                return WorkingCalendar.russia(tz=tz or "Europe/Moscow")
            except ScheduleError as exc:
                raise CommandError(str(exc)) from None
        if tz:
            raise CommandError("--tz нельзя сочетать с --municipality: пояс берётся из муниципалитета")
        from otklik.directory.models import Municipality
        from otklik.regulation.services import calendar_for

        municipality = Municipality.objects.filter(slug=slug).first()
        if municipality is None:
            raise CommandError(f"Муниципалитет с кодом {slug!r} не найден")
        try:
            return calendar_for(municipality)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

    def emit(self, options: dict[str, Any], payload: dict[str, Any], plain: str) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False) if options["json"] else plain)
