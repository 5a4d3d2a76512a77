"""Charts: inline SVG for the pages (no scripts, no inline styles: the CSP forbids both) and
matplotlib PNG for the PDF."""

from __future__ import annotations

import io
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from otklik.reports.queries import ViolationReport

BAR = "#1f5fbf"
BAR2 = "#8fb3e8"
BAD = "#b3261e"


def wrap(label: str, width: int) -> list[str]:
    """``label`` in lines of at most ``width`` characters, broken between words (a longer word is cut)."""
    lines: list[str] = []
    for word in label.split():
        while len(word) > width:
            lines.append(word[:width])
            word = word[width:]
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def hbars(items: list[tuple[str, float]], *, fmt: str = "{:g}", width: int = 560, max_value: float | None = None,
          color: str = BAR, title: str = "") -> SafeString:  # fmt: skip
    """Horizontal bars: each label whole, wrapped over the full width, above its bar (nothing
    clipped at any width the page scales the chart to)."""
    line, bar_h, gap = 15, 14, 10
    rows = [(wrap(label, 72), value) for label, value in items]
    height = sum(len(lines) * line + bar_h + gap for lines, _ in rows) + 4
    top = max_value if max_value is not None else max([v for _, v in items] or [1]) or 1
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
    ]
    y = 2
    for lines, value in rows:
        for text in lines:
            y += line
            parts.append(f'<text x="0" y="{y - 3}" font-size="12">{escape(text)}</text>')
        w = max((width - 70) * (value / top), 0) if top else 0
        parts.append(f'<rect x="0" y="{y + 1}" width="{w:.1f}" height="{bar_h}" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{w + 6:.1f}" y="{y + 12}" font-size="12">{escape(fmt.format(value))}</text>')
        y += bar_h + gap
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def weekly_bars(weeks: list[dict[str, Any]], *, width: int = 640, height: int = 200) -> SafeString:
    """Received and answered per week, side by side."""
    n = max(len(weeks), 1)
    top = max([max(w["received"], w["answered"]) for w in weeks] or [1]) or 1
    plot_h = height - 40
    # The axis' figure fits left of the axis, and the last week's date right of it: nothing clipped.
    left = max(30, 7 * len(str(top)) + 6)
    slot = (width - left - 24) / n
    bar = max(min(slot / 2 - 3, 28), 2)
    parts = [
        f'<svg class="chart" role="img" aria-label="Обращения по неделям" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{left}" y1="{plot_h + 10}" x2="{width}" y2="{plot_h + 10}" stroke="#999"/>',
        f'<text x="{left - 4}" y="18" text-anchor="end" font-size="11">{top}</text>',
    ]
    for i, w in enumerate(weeks):
        x = left + 6 + i * slot
        for j, (key, color) in enumerate((("received", BAR), ("answered", BAR2))):
            h = plot_h * w[key] / top
            parts.append(
                f'<rect x="{x + j * (bar + 2):.1f}" y="{plot_h + 10 - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{escape(w["label"])}: {w[key]}</title></rect>'
            )
        if n <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{x + bar + 1:.1f}" y="{height - 12}" text-anchor="middle" font-size="11">'
                f"{escape(w['label'])}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels escaped


def violations_png(report: ViolationReport) -> bytes:
    """Violations and deadlines met on time per organization, for the PDF."""
    if not report.totals:
        return b""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["\n".join(wrap(t.organization, 34)) for t in report.totals]
    on_time = [t.total - t.violations for t in report.totals]
    late = [t.violations for t in report.totals]
    lines = sum(name.count("\n") + 1 for name in names)
    fig, ax = plt.subplots(figsize=(7.5, 0.3 * lines + 0.2 * len(names) + 1.2), dpi=120)
    ax.barh(names, on_time, color=BAR, label="в срок")
    ax.barh(names, late, left=on_time, color=BAD, label="с нарушением")
    ax.invert_yaxis()
    ax.set_xlabel("сроков за месяц")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right", fontsize=8)
    plt.rcParams["font.family"] = "DejaVu Sans"
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()
