"""Server-rendered SVG charts for the agreement dashboard: the geometry, computed here; the
templates only draw it. No JavaScript, so the charts pass the Content-Security-Policy and print.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WIDTH = 640
LABEL_W = 170
ROW_H = 26
PAD = 24


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class IntervalRow:
    label: str
    y: float
    x: float | None
    low: float | None
    high: float | None
    value: str
    x2: float | None = None  # a second marker (alpha with the judge), when compared
    value2: str = ""
    unreliable: bool = False  # thin data: drawn hollow and grey


@dataclass(frozen=True)
class BarRow:
    label: str
    y: float
    x: float
    width: float
    positive: bool
    value: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    zero: float
    ticks: tuple[Tick, ...]
    guides: tuple[Tick, ...]
    rows: tuple[IntervalRow, ...] | tuple[BarRow, ...]


def _scale(low: float, high: float) -> Callable[[float], float]:
    span = high - low or 1.0

    def x(value: float) -> float:
        return round(LABEL_W + (value - low) / span * (WIDTH - LABEL_W - PAD), 1)

    return x


def _fmt(value: float | None) -> str:
    # Rounded half up like the tables' floatformat, so a bar and its table cell say the same
    # (f"{0.625:.2f}" would give 0.62 next to the table's 0.63).
    if value is None:
        return "—"
    return str(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def interval_chart(
    rows: Sequence[tuple[str, float | None, float | None, float | None]],
    *,
    second: Sequence[float | None] | None = None,
    unreliable: Sequence[bool] | None = None,
) -> Chart:
    """Alpha with its interval per row, on a scale from below the lowest value to 1.

    Guides mark 0.667 and 0.8, the levels below which Krippendorff advises against drawing
    conclusions and relying on the data. Rows flagged in `unreliable` (thin data) are drawn
    hollow and grey, so a point resting on a handful of items does not look like evidence.
    """
    values = [v for _label, a, lo, hi in rows for v in (a, lo, hi) if v is not None]
    values += [v for v in second or () if v is not None]
    low = min([0.0, *values])
    low = float(int(low * 10 - (1 if low < 0 else 0))) / 10
    x = _scale(low, 1.0)
    items = []
    for index, (label, alpha, lo, hi) in enumerate(rows):
        other = second[index] if second is not None else None
        items.append(
            IntervalRow(
                label=label,
                y=PAD + index * ROW_H + ROW_H / 2,
                x=x(alpha) if alpha is not None else None,
                low=x(lo) if lo is not None else None,
                high=x(hi) if hi is not None else None,
                value=_fmt(alpha),
                x2=x(other) if other is not None else None,
                value2=_fmt(other) if second is not None else "",
                unreliable=bool(unreliable[index]) if unreliable is not None else False,
            )
        )
    steps = [low + i * (1.0 - low) / 4 for i in range(5)]
    return Chart(
        width=WIDTH,
        height=PAD * 2 + ROW_H * max(len(rows), 1) + 16,
        plot_left=LABEL_W,
        plot_right=WIDTH - PAD,
        zero=x(0.0),
        ticks=tuple(Tick(x(s), f"{s:.2f}") for s in steps),
        guides=tuple(Tick(x(g), f"{g:g}") for g in (0.667, 0.8)),
        rows=tuple(items),
    )


def bias_chart(rows: Sequence[tuple[str, float | None]]) -> Chart:
    """Mean bias per row as bars either side of zero (right: lenient, left: severe)."""
    values = [abs(v) for _label, v in rows if v is not None]
    reach = max([0.5, *values])
    x = _scale(-reach, reach)
    zero = x(0.0)
    items = []
    for index, (label, value) in enumerate(rows):
        end = x(value) if value is not None else zero
        items.append(
            BarRow(
                label=label,
                y=PAD + index * ROW_H + 4,
                x=min(zero, end),
                width=round(abs(end - zero), 1),
                positive=(value or 0) >= 0,
                value=_fmt(value),
            )
        )
    return Chart(
        width=WIDTH,
        height=PAD * 2 + ROW_H * max(len(rows), 1) + 16,
        plot_left=LABEL_W,
        plot_right=WIDTH - PAD,
        zero=zero,
        ticks=tuple(Tick(x(s), f"{s:+.2f}") for s in (-reach, -reach / 2, 0.0, reach / 2, reach)),
        guides=(),
        rows=tuple(items),
    )
