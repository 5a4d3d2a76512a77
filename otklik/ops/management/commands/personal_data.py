from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from otklik.ops.personal_data import author_posts, erase_author, export_author


class Command(BaseCommand):
    help = (
        "Запросы субъекта персональных данных (152-ФЗ): выгрузка (export) или удаление (erase) всего, "
        "что хранится об авторе сообщений в одной соцсети. Каждое действие записывается в журнал безопасности."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--network", required=True, help="vk, ok, telegram, …")
        parser.add_argument("--author-id", required=True, help="Идентификатор автора в соцсети")
        parser.add_argument("--output", help="Файл для выгрузки (JSON); по умолчанию — вывод на экран")
        parser.add_argument("--reason", default="", help="Основание: номер и дата запроса")
        parser.add_argument("--yes", action="store_true", help="Не спрашивать подтверждение удаления")

    def handle(self, *args: Any, **options: Any) -> None:
        network, author_id, reason = options["network"], options["author_id"], options["reason"]
        count = author_posts(network, author_id).count()
        if options["action"] == "export":
            data = export_author(network, author_id, reason=reason)
            text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            if options.get("output"):
                Path(options["output"]).write_text(text, encoding="utf-8")
                self.stdout.write(f"Выгружено сообщений: {count} → {options['output']}")
            else:
                self.stdout.write(text)
            return
        if count == 0:
            raise CommandError("Сообщений этого автора нет (или они уже обезличены).")
        if not options["yes"]:
            answer = input(f"Удалить персональные данные автора в {count} сообщениях? Это необратимо. [да/нет] ")
            if answer.strip().lower() not in ("да", "yes", "y", "д"):
                raise CommandError("Отменено.")
        result = erase_author(network, author_id, reason=reason)
        self.stdout.write(
            f"Обезличено сообщений: {result['posts']}, обращений затронуто: {len(result['cases'])}, "
            f"проектов ответов с именем автора: {result['drafts_masked']}."
        )
