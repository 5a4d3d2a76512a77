"""Exports: the §23 report as XLSX (openpyxl) and PDF (weasyprint), the dashboard as XLSX."""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from otklik.reports import charts
from otklik.reports.queries import MONTHS_GENITIVE, ViolationReport, fmt_duration
from otklik.reports.spreadsheet import safe_values, text_cells_as_strings

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
BOLD = Font(bold=True)

VIOLATION_COLUMNS = [
    ("Организация", 34),
    ("Ответственный", 24),
    ("Обращение", 12),
    ("Этап", 34),
    ("Пункт", 8),
    ("Срок", 12),
    ("Начало", 17),
    ("Срок истёк", 17),
    ("Выполнено", 17),
    ("Затрачено (раб. время)", 18),
    ("Просрочка (раб. время)", 18),
    ("Ссылка", 30),
]


def _sheet_header(ws: Any, columns: list[tuple[str, int]], row: int) -> None:
    for i, (title, width) in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=i, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(i)].width = width


def _header_cells(ws: Any, columns: list[tuple[str, int]]) -> list[Any]:
    cells = []
    for i, (title, width) in enumerate(columns, start=1):
        cell = WriteOnlyCell(ws, value=title)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(i)].width = width
        cells.append(cell)
    return cells


def violations_xlsx(report: ViolationReport, site_url: str = "") -> bytes:
    """The full list, streamed (openpyxl's write-only mode: thousands of rows in a second)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Нарушения")
    ws.freeze_panes = "A5"
    title = WriteOnlyCell(
        ws, f"Отчёт о нарушениях порядка работы с сообщениями из открытых источников за {report.period}"
    )
    title.font = Font(bold=True, size=13)
    ws.append([title])
    ws.append(safe_values([f"{report.municipality}. Сформирован {report.as_of}."]))
    ws.append([])
    ws.append(_header_cells(ws, VIOLATION_COLUMNS))
    for r in report.rows:
        ws.append(
            safe_values([
                r.organization, r.person, r.case_id, r.stage, r.point, r.limit, r.started_at, r.due_at,
                r.closed_at, r.taken, r.late_by, site_url + r.case_url,
            ])
        )  # fmt: skip
    totals = wb.create_sheet("Итоги")
    columns = [("Организация", 40), ("Сроков", 10), ("Нарушено", 10), ("Выполнено с опозданием", 14),
               ("Не выполнено", 12), ("Доля в срок", 12)]  # fmt: skip
    totals.append(_header_cells(totals, columns))
    last = report.total
    for t in [*report.totals, last]:
        row = [
            WriteOnlyCell(totals, v)
            for v in safe_values((t.organization, t.total, t.violations, t.late_met, t.never_met))
        ]
        row.append(WriteOnlyCell(totals, round(t.on_time_share, 4)))
        row[-1].number_format = "0.0%"
        if t is last:
            for cell in row:
                cell.font = BOLD
        totals.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Up to this many violations the PDF lists each one; beyond it the PDF is a summary per
# organization and stage (the officials named) and the full list is the XLSX: a Head reads a
# summary, not 300 pages.
FULL_LIST_LIMIT = 300


@dataclass
class SummaryRow:
    stage: str
    point: str
    violations: int
    never_met: int
    late_minutes: int
    people: str

    @property
    def late(self) -> str:
        return fmt_duration(dt.timedelta(minutes=self.late_minutes))


def summary(report: ViolationReport) -> list[tuple[str, list[SummaryRow]]]:
    """Violations per organization and stage: how many, how many never met, the time late in all,
    and who was responsible (most violations first)."""
    groups: dict[str, dict[tuple[str, str], list[Any]]] = {}
    for r in report.rows:
        groups.setdefault(r.organization, {}).setdefault((r.stage, r.point), []).append(r)
    out = []
    for org, stages in groups.items():
        rows = []
        for (stage, point), items in stages.items():
            people = Counter(r.person for r in items if r.person != "—")
            rows.append(
                SummaryRow(
                    stage=stage,
                    point=point,
                    violations=len(items),
                    never_met=sum(1 for r in items if r.closed_at == "не выполнено"),
                    late_minutes=sum(r.late_minutes for r in items),
                    people=", ".join(f"{name} ({n})" for name, n in people.most_common()) or "не назначен",
                )
            )
        rows.sort(key=lambda r: -r.violations)
        out.append((org, rows))
    return out


def violations_pdf(
    report: ViolationReport,
    *,
    authority: str,
    signer: dict[str, str],
    date_label: str,
    addressee: dict[str, str] | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> bytes:
    from weasyprint import HTML

    step = progress or (lambda percent, text: None)
    step(20, "Диаграмма")
    chart = charts.violations_png(report)
    full = len(report.rows) <= FULL_LIST_LIMIT
    step(40, "Вёрстка документа")
    html = render_to_string(
        "reports/violations_pdf.html",
        {
            "report": report,
            "authority": authority,
            "signer": signer,
            "addressee": addressee or {},
            "date_label": date_label,
            "chart": base64.b64encode(chart).decode() if chart else "",
            "full": full,
            "summary": [] if full else summary(report),
        },
    )
    step(60, "Печать PDF")
    return HTML(string=html).write_pdf()


def russian_date(day: Any) -> str:
    return f"«{day.day:02d}» {MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def dashboard_xlsx(data: dict[str, Any], *, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Показатели"
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=13)
    _sheet_header(ws, [("Показатель", 30), ("Сегодня", 12), ("За период", 12)], 3)
    labels = {"received": "Поступило", "detected": "Из них обращений", "routed": "Направлено", "answered": "Дан ответ",
              "excluded": "Исключено (п. 22)", "overdue_now": "Просрочено сейчас"}  # fmt: skip
    for key, label in labels.items():
        ws.append([label, data["today"][key], data["period"][key]])
    ws.append(["Медиана времени до первого ответа", "", data["median_first_answer"]])
    ws.append(["«Поступило» — все сообщения из соцсетей и введённые вручную, включая ленту."])
    for name, key in (("Этапы", "per_stage"), ("Организации", "per_org")):
        sheet = wb.create_sheet(name)
        _sheet_header(sheet, [(name[:-1] if name == "Этапы" else "Организация", 40), ("Сроков", 10),
                              ("Нарушено", 10), ("Доля в срок", 12)], 1)  # fmt: skip
        for row in data[key]:
            sheet.append([row["name"], row["total"], row["late"], round(row["share"], 4)])
            sheet.cell(row=sheet.max_row, column=4).number_format = "0.0%"
    sheet = wb.create_sheet("Медленные организации")
    _sheet_header(sheet, [("Организация", 40), ("Просрочка (раб. мин)", 14), ("Нарушено сроков", 12),
                          ("Из них не выполнено", 12)], 1)  # fmt: skip
    for row in data["slowest"]:
        sheet.append([row["name"], row["minutes"], row["count"], row["open"]])
    sheet = wb.create_sheet("По неделям")
    _sheet_header(sheet, [("Неделя с", 14), ("Поступило", 12), ("Дан ответ", 12)], 1)
    for w in data["weekly"]:
        sheet.append([w["week"], w["received"], w["answered"]])
    sheet = wb.create_sheet("Темы и сети")
    _sheet_header(sheet, [("Тема", 40), ("Обращений", 12), ("Соцсеть", 20), ("Обращений", 12)], 1)
    topics, nets = data["topics"], data["networks"]
    for i in range(max(len(topics), len(nets))):
        t = topics[i] if i < len(topics) else ("", "")
        n = nets[i] if i < len(nets) else ("", "")
        sheet.append([t[0], t[1], n[0], n[1]])
    text_cells_as_strings(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file for the browser to save (pages and the API)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
