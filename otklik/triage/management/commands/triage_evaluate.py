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
        parser.add_argument("--date-column", default=None, help="столбец с датой: порядок строк и вес свежих")
        parser.add_argument("--source-column", default=None, help="столбец с источником (аккаунт, сообщество)")
        parser.add_argument(
            "--half-life-days", type=float, default=None, help="свежие строки весомее: вес 1/2 через столько дней"
        )
        parser.add_argument("--c", type=float, default=None, help="регуляризация; по умолчанию — кросс-валидацией")
        parser.add_argument("--no-char-ngrams", action="store_true", help="без символьных n-грамм")
        parser.add_argument("--per-class", action="store_true", help="полнота по исполнителям и путаница с общим")
        parser.add_argument("--json", action="store_true", help="вывести один JSON-объект")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            columns = {"date_column": opts["date_column"], "source_column": opts["source_column"]}
            train = load_labelled(
                opts["train"], opts["text_column"], opts["label_column"], opts["location_column"], **columns
            )
            test = load_labelled(
                opts["test"], opts["text_column"], opts["label_column"], opts["location_column"], **columns
            )
        except (OSError, KeyError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        if len(set(train.labels)) < 2:
            raise CommandError("в обучающем файле меньше двух разных меток")
        if not test.labels:
            raise CommandError("в файле для оценки нет размеченных строк")
        ages = None
        if train.dates and opts["half_life_days"]:
            newest = max((d for d in train.dates if d), default=None)
            ages = [float((newest - d).days) if newest and d else 0.0 for d in train.dates]
        model = LinearModel.fit(
            train.docs,
            train.labels,
            calibrate=False,
            c=opts["c"],
            texts=None if opts["no_char_ngrams"] else train.texts,
            ages_days=ages,
            half_life_days=opts["half_life_days"],
            choose_features=not opts["no_char_ngrams"],
        )
        metrics = evaluate(model, test, per_class=opts["per_class"])
        result = {
            **metrics,
            "n_train": len(train.labels),
            "n_classes": len(model.classes),
            "c": model.meta.get("c"),
            "char_ngrams": model.char_ngrams,
            "cv_accuracy": model.meta.get("cv_accuracy"),
            "seconds": round(time.perf_counter() - started, 2),
        }
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        self.stdout.write(
            f"Точность: {result['accuracy']:.4f}\n"
            f"Точность в тройке: {result['top3_accuracy']:.4f}\n"
            f"Macro-F1: {result['macro_f1']:.4f}\n"
            f"Обучение: {result['n_train']} строк, {result['n_classes']} исполнителей; оценка: {result['n_test']} строк\n"
            f"Регуляризация C = {result['c']}, символьные n-граммы: {'да' if result['char_ngrams'] else 'нет'} "
            f"(кросс-валидация на обучающих строках, среднее точности и точности в тройке: "
            f"{result['cv_accuracy'] or '—'})"
        )
        if "catch_all" in result:
            ca = result["catch_all"]
            self.stdout.write(
                f"Общий исполнитель «{ca['label']}» ({ca['share_of_test']:.0%} оценки): туда ушло "
                f"{ca['others_sent_there']:.1%} чужих сообщений, от него ушло {ca['its_own_sent_elsewhere']:.1%} своих"
            )
            for label, recall in result["recall"].items():
                self.stdout.write(f"  полнота {recall:.3f}  {label}")
