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


def hbars(items: list[tuple[str, float]], *, fmt: str = "{:g}", width: int = 560, max_value: float | None = None,
          color: str = BAR, title: str = "") -> SafeString:  # fmt: skip
    """Horizontal bars: one row per (label, value)."""
    row, label_w = 24, 220
    height = row * max(len(items), 1) + 8
    top = max_value if max_value is not None else max([v for _, v in items] or [1]) or 1
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = max((width - label_w - 70) * (value / top), 0) if top else 0
        text = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(text)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12">{escape(fmt.format(value))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label is escaped above


def weekly_bars(weeks: list[dict[str, Any]], *, width: int = 640, height: int = 200) -> SafeString:
    """Received and answered per week, side by side."""
    n = max(len(weeks), 1)
    top = max([max(w["received"], w["answered"]) for w in weeks] or [1]) or 1
    plot_h = height - 40
    slot = (width - 40) / n
    bar = max(min(slot / 2 - 3, 28), 2)
    parts = [
        f'<svg class="chart" role="img" aria-label="Обращения по неделям" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="30" y1="{plot_h + 10}" x2="{width}" y2="{plot_h + 10}" stroke="#999"/>',
        f'<text x="26" y="18" text-anchor="end" font-size="11">{top}</text>',
    ]
    for i, w in enumerate(weeks):
        x = 36 + i * slot
        for j, (key, color) in enumerate((("received", BAR), ("answered", BAR2))):
            h = plot_h * w[key] / top
            parts.append(
                f'<rect x="{x + j * (bar + 2):.1f}" y="{plot_h + 10 - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{escape(w["label"])}: {w[key]}</title></rect>'
            )
        if n <= 16 or i % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 12}" font-size="11">{escape(w["label"])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - labels escaped


def violations_png(report: ViolationReport) -> bytes:
    """Violations and deadlines met on time per organization, for the PDF."""
    if not report.totals:
        return b""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [t.organization if len(t.organization) <= 40 else t.organization[:39] + "…" for t in report.totals]
    on_time = [t.total - t.violations for t in report.totals]
    late = [t.violations for t in report.totals]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(names) + 1.2), dpi=120)
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
