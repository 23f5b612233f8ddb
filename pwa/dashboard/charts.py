"""Server-rendered SVG charts: no script, printable, and readable without colour.

Every bar carries its value as text and a pattern besides its fill, so a grey-scale print or a
colour-blind reader loses nothing; `<title>` and `<desc>` give screen readers the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None  # None: nothing was due, drawn as an empty dashed box
    note: str = ""


WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 24, 40

_DEFS = (
    "<defs>"
    '<pattern id="hatch-low" width="6" height="6" patternUnits="userSpaceOnUse"'
    ' patternTransform="rotate(45)">'
    '<rect width="6" height="6" class="bar-low"/>'
    '<line x1="0" y1="0" x2="0" y2="6" class="hatch"/></pattern>'
    "</defs>"
)


def bar_chart(
    points: list[Point],
    title: str,
    desc: str,
    maximum: float = 100,
    unit: str = "%",
    threshold: float | None = 90,
) -> Markup:
    """Vertical bars from 0 to `maximum`; bars under `threshold` are hatched, not only red."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points), 1)
    bar_w = step * 0.6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' class="chart" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        _DEFS,
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = TOP + plot_h * (1 - tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" class="axis" text-anchor="end">'
            f"{_fmt(maximum * tick)}</text>"
        )
    if threshold is not None:
        y = TOP + plot_h * (1 - threshold / maximum)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" class="target"/>'
        )
    for index, point in enumerate(points):
        x = LEFT + step * index + (step - bar_w) / 2
        centre = x + bar_w / 2
        label = escape(point.label)
        if point.value is None:
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP}" width="{bar_w:.1f}" height="{plot_h}"'
                f' class="bar-none"><title>{label}: —</title></rect>'
                f'<text x="{centre:.1f}" y="{TOP + plot_h - 4}" class="value"'
                ' text-anchor="middle">—</text>'
            )
        else:
            value = max(0.0, min(point.value, maximum))
            h = plot_h * value / maximum
            low = threshold is not None and point.value < threshold
            fill = 'fill="url(#hatch-low)" class="bar bar-low"' if low else 'class="bar"'
            text = f"{_fmt(point.value)}{unit}"
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}"'
                f' height="{h:.1f}" {fill}><title>{label}: {text}'
                f"{escape(' · ' + point.note) if point.note else ''}</title></rect>"
                f'<text x="{centre:.1f}" y="{TOP + plot_h - h - 4:.1f}" class="value"'
                f' text-anchor="middle">{text}</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 16}" class="axis"'
            f' text-anchor="middle">{label}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
