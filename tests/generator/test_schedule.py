"""Schedules and durations say every frequency of the seeds in Chinese and English words."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from generator.labels import duration_words, schedule_words, zh_number
from generator.models import Schedule
from generator.schedule import duration_minutes

# what is due depends on no clock but the one a test sets: run at each fixed instant
pytestmark = pytest.mark.every_instant


@pytest.mark.parametrize(
    ("written", "zh", "en"),
    [
        ("3/shift", "每班三次", "three times per shift"),
        ("2/day", "每日两次", "twice a day"),
        ("daily", "每日一次", "daily"),
        ("2/week", "每周两次", "twice a week"),
        ("weekly", "每周一次", "weekly"),
        ("half-monthly", "每半月一次", "every half month"),
        ("monthly", "每月一次", "monthly"),
        ("bimonthly", "每两月一次", "every two months"),
        ("quarterly", "每季度一次", "quarterly"),
        ("half-yearly", "每半年一次", "every half year"),
        ("yearly", "每年一次", "yearly"),
        ({"every": "shift", "times": 4, "shifts": ["night"]}, "每班四次", "4 times per shift"),
    ],
)
def test_every_seed_frequency_in_words(written: object, zh: str, en: str) -> None:
    schedule = Schedule.model_validate(written)
    assert schedule_words(schedule.every, schedule.times) == zh
    assert schedule_words(schedule.every, schedule.times, "en") == en


def test_chinese_numerals() -> None:
    assert [zh_number(n) for n in (1, 2, 3, 10, 12, 20, 48)] == [
        "一",
        "两",
        "三",
        "十",
        "十二",
        "二十",
        "四十八",
    ]


@pytest.mark.parametrize(
    ("value", "zh", "en", "minutes"),
    [
        ("10m", "10分钟", "10 min", 10),
        ("2h", "2小时", "2 h", 120),
        ("3d", "3天", "3 days", 4320),
        ("2wd", "2个工作日", "2 working days", 2880),
    ],
)
def test_durations(value: str, zh: str, en: str, minutes: int) -> None:
    assert duration_words(value) == zh
    assert duration_words(value, "en") == en
    assert duration_minutes(value) == minutes


def test_at_must_match_times() -> None:
    with pytest.raises(ValidationError, match="2 times listed in `at` but times is 1"):
        Schedule.model_validate({"every": "day", "at": ["09:00", "15:00"]})
