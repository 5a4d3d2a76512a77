"""Train a municipality's routing and topic models from its own routed cases (versioned)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from otklik.directory.models import Municipality
from otklik.triage.models import TriageModel
from otklik.triage.services import rollback_model, train_municipality


class Command(BaseCommand):
    help = (
        "Обучить модели маршрутизации и тем на истории муниципалитета. Предыдущие версии "
        "сохраняются; --rollback возвращает предыдущую."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--municipality", action="append", help="код муниципалитета (по умолчанию все)")
        parser.add_argument("--min-cases", type=int, default=30, help="минимум случаев для обучения")
        parser.add_argument("--rollback", action="store_true", help="вернуть предыдущую версию моделей")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        qs = Municipality.objects.filter(is_active=True)
        if opts["municipality"]:
            qs = Municipality.objects.filter(slug__in=opts["municipality"])
            missing = set(opts["municipality"]) - set(qs.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"нет муниципалитетов: {', '.join(sorted(missing))}")
        report = {}
        for municipality in qs.order_by("slug"):
            if opts["rollback"]:
                report[municipality.slug] = {
                    kind: (row.version if (row := rollback_model(municipality, kind)) else None)
                    for kind in TriageModel.Kind.values
                }
            else:
                report[municipality.slug] = train_municipality(municipality, min_cases=opts["min_cases"])
        if opts["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        for slug, item in report.items():
            self.stdout.write(f"{slug}: {json.dumps(item, ensure_ascii=False)}")
