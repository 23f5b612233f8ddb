"""The words generated pages and the bundle use around the content, in Chinese and English:
the page labels (kept in generator.phrases), numbers and ranges, schedules (每日两次) and
durations (15分钟).
"""

from __future__ import annotations

from generator.phrases import EN, ZH
from generator.schedule import Period, duration_parts

CN_DIGITS = "零一二三四五六七八九十"

LABELS = {"zh": ZH, "en": EN}


def number(value: float) -> str:
    """A number as the handbook prints it: 0.15, 1, 2.5 (no trailing zeros)."""
    return f"{value:g}"


def range_words(low: float | None, high: float | None, unit: str | None) -> str:
    """An item's normal range as the handbook and the app both say it: 0.15–0.45 MPa, ≥ 1 台."""
    unit = f" {unit}" if unit else ""
    if low is not None and high is not None:
        return f"{number(low)}–{number(high)}{unit}"
    if low is not None:
        return f"≥ {number(low)}{unit}"
    if high is not None:
        return f"≤ {number(high)}{unit}"
    return ""


def labels(lang: str) -> dict[str, str]:
    """The label set for a language; anything not English is Chinese."""
    return LABELS.get(lang, ZH)


_ZH_PERIOD = {
    Period.shift: "每班",
    Period.day: "每日",
    Period.week: "每周",
    Period.half_month: "每半月",
    Period.month: "每月",
    Period.two_months: "每两月",
    Period.quarter: "每季度",
    Period.half_year: "每半年",
    Period.year: "每年",
}

_EN_PERIOD = {
    Period.shift: ("per shift", "every shift"),
    Period.day: ("a day", "daily"),
    Period.week: ("a week", "weekly"),
    Period.half_month: ("every half month", "every half month"),
    Period.month: ("a month", "monthly"),
    Period.two_months: ("every two months", "every two months"),
    Period.quarter: ("a quarter", "quarterly"),
    Period.half_year: ("every half year", "every half year"),
    Period.year: ("a year", "yearly"),
}


def zh_number(n: int) -> str:
    """Chinese numeral for a count of times (2 is 两)."""
    if n == 2:
        return "两"
    if 0 <= n <= 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return CN_DIGITS[tens] + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def schedule_words(every: Period, times: int, lang: str = "zh") -> str:
    """Say a frequency in words: 每日两次, 每半月一次, twice a day."""
    if lang == "zh":
        return f"{_ZH_PERIOD[every]}{zh_number(times)}次"
    per, once = _EN_PERIOD[every]
    if times == 1:
        return once
    count = {2: "twice", 3: "three times"}.get(times, f"{times} times")
    return f"{count} {per}"


_DURATION_ZH = {"m": "分钟", "h": "小时", "d": "天", "wd": "个工作日"}
_DURATION_EN = {"m": "min", "h": "h", "d": "days", "wd": "working days"}


def duration_words(value: str, lang: str = "zh") -> str:
    """Say a duration in words: 15分钟, 3个工作日."""
    amount, unit = duration_parts(value)
    if lang == "zh":
        return f"{amount}{_DURATION_ZH[unit]}"
    return f"{amount} {_DURATION_EN[unit]}"
