"""Triage every row of a CSV file and print one JSON line per row, in order."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from otklik.triage.pipeline import Triager
from otklik.triage.training import read_rows


class Command(BaseCommand):
    help = "Разобрать сообщения из CSV-файла (можно .gz): по одной строке JSON на сообщение."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument("--text-column", required=True)
        parser.add_argument("--municipality", default=None, help="код муниципалитета: его модели и справочники")
        parser.add_argument("--location-column", default=None)
        parser.add_argument("--json", action="store_true", help="вывод JSON (по умолчанию так и есть)")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        triager = Triager()
        names: dict[str, str] = {}
        if opts["municipality"]:
            from otklik.directory.models import Municipality, Organization
            from otklik.triage.services import build_triager

            municipality = Municipality.objects.filter(slug=opts["municipality"]).first()
            if municipality is None:
                raise CommandError(f"нет муниципалитета с кодом {opts['municipality']!r}")
            triager = build_triager(municipality)
            names = {
                str(pk): name
                for pk, name in Organization.objects.filter(municipality=municipality).values_list("pk", "short_name")
            }
        try:
            rows = read_rows(opts["file"], [opts["text_column"]])
            for row in rows:
                location = row.get(opts["location_column"]) if opts["location_column"] else None
                out = triager.run(row.get(opts["text_column"]) or "", location=location or None)
                line = out.as_json()
                if not opts["municipality"]:
                    line["suggestions"] = []
                for s in line["suggestions"]:
                    s["organization"] = names.get(s["organization"], s["organization"])
                self.stdout.write(json.dumps(line, ensure_ascii=False))
        except (OSError, KeyError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
