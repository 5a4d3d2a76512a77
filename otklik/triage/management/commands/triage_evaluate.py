"""Train the routing model on one CSV file and evaluate it on another (no database needed)."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from otklik.triage.routing import LinearModel
from otklik.triage.training import evaluate, load_labelled


class Command(BaseCommand):
    help = "Обучить модель маршрутизации на одном CSV-файле (можно .gz) и оценить на другом."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--train", required=True, help="CSV для обучения")
        parser.add_argument("--test", required=True, help="CSV для оценки")
        parser.add_argument("--text-column", required=True)
        parser.add_argument("--label-column", required=True)
        parser.add_argument("--location-column", default=None, help="столбец с местом (район, посёлок)")
        parser.add_argument("--json", action="store_true", help="вывести один JSON-объект")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            train = load_labelled(opts["train"], opts["text_column"], opts["label_column"], opts["location_column"])
            test = load_labelled(opts["test"], opts["text_column"], opts["label_column"], opts["location_column"])
        except (OSError, KeyError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        if len(set(train.labels)) < 2:
            raise CommandError("в обучающем файле меньше двух разных меток")
        if not test.labels:
            raise CommandError("в файле для оценки нет размеченных строк")
        model = LinearModel.fit(train.docs, train.labels, calibrate=False)
        metrics = evaluate(model, test)
        result = {
            **metrics,
            "n_train": len(train.labels),
            "n_classes": len(model.classes),
            "seconds": round(time.perf_counter() - started, 2),
        }
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"Точность: {result['accuracy']:.4f}\n"
            f"Точность в тройке: {result['top3_accuracy']:.4f}\n"
            f"Macro-F1: {result['macro_f1']:.4f}\n"
            f"Обучение: {result['n_train']} строк, {result['n_classes']} исполнителей; оценка: {result['n_test']} строк"
        )
