"""What each alert says, in the handbook's language (Chinese): a title and a few plain lines.

A confirmed miss is worded as a fact; "not yet synced" as a reminder, since the record may be
on a phone that has not come back online. The senders turn these into each channel's format.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CLOCK_WORDS = {"respond": "响应", "on_site": "到场", "close": "办结"}
DEADLINE_WORDS = {"respond": "响应", "close": "处理完毕"}
STATUS_WORDS = {
    "new": "待派单",
    "assigned": "已派单",
    "accepted": "已接单",
    "on_site": "已到场",
    "waiting": "待确认",
    "open": "待处理",
    "resolved": "已处理",
}
KIND_WORDS = {
    "missed": "确认漏做",
    "not_synced": "待同步",
    "ticket_late": "工单超时",
    "exception_late": "异常超时",
    "out_of_range": "读数超限",
    "digest": "交班汇总",
    "test": "测试",
}


def at(moment: dt.datetime, tz: ZoneInfo) -> str:
    """A stored instant (naive UTC or aware) as the site's wall clock, e.g. 06-09 12:00."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz).strftime("%m-%d %H:%M")


def _late_by(due: dt.datetime, now: dt.datetime) -> str:
    minutes = max(0, int((now - due).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"
    return f"{hours // 24} 天"


def missed(site: str, title: str, run: str, deadline: dt.datetime, tz: ZoneInfo) -> tuple:
    return (
        f"【确认漏做】{site} · {title}",
        [
            f"{run}应在 {at(deadline, tz)} 前完成，没有记录。",
            "本小区负责这项工作的设备都已在截止时间之后同步过，可以确认漏做。",
            "请当班主管核实原因并安排补做。",
        ],
    )


def not_synced(
    site: str,
    title: str,
    run: str,
    deadline: dt.datetime,
    devices: list[tuple[str, dt.datetime]],
    tz: ZoneInfo,
) -> tuple:
    waiting = "、".join(f"{device}（最后同步 {at(last, tz)}）" for device, last in devices)
    return (
        f"【待同步】{site} · {title}",
        [
            f"{run}的截止时间 {at(deadline, tz)} 已过 2 小时以上，服务器还没有收到记录。",
            f"还有设备没有同步：{waiting}。记录可能还在手机上，不一定是漏做。",
            "请提醒当班人员连上网络，打开应用同步一次。",
        ],
    )


def ticket_late(
    site: str, number: str, category: str, room: str, clock: str, due, status, who, now, tz
) -> tuple:
    lines = [
        f"{category} · {room}",
        f"{CLOCK_WORDS[clock]}时限 {at(due, tz)} 已过 {_late_by(due, now)}，"
        f"现在{STATUS_WORDS.get(status, status)}" + (f"，处理人 {who}" if who else "，尚无人接单"),
        "请客服或当班主管跟进。",
    ]
    return f"【工单超时】{site} · {number}", lines


def exception_late(
    site: str, title: str, kind: str, who: str, recorded, deadline: str, due, status, now, tz
) -> tuple:
    lines = [
        f"{who} {at(recorded, tz)} 报告的{'事件' if kind == 'incident' else '异常'}",
        f"{DEADLINE_WORDS[deadline]}时限 {at(due, tz)} 已过 {_late_by(due, now)}，"
        f"现在{STATUS_WORDS.get(status, status)}。",
        "请在管理后台的“异常与事件”中指派或处理。",
    ]
    return f"【异常超时】{site} · {title}", lines


def _number(value: float) -> str:
    return f"{value:g}"


def out_of_range(site: str, title: str, reading: dict, who: str, recorded, tz) -> tuple:
    low, high, unit = reading["min"], reading["max"], reading["unit"]
    if low is not None and high is not None:
        limits = f"{_number(low)}–{_number(high)} {unit}".strip()
    elif low is not None:
        limits = f"不低于 {_number(low)} {unit}".strip()
    else:
        limits = f"不高于 {_number(high)} {unit}".strip()
    return (
        f"【读数超限】{site} · {title}",
        [
            f"{reading['text']}：{_number(reading['value'])} {unit}".rstrip()
            + f"，正常范围 {limits}。",
            f"{who} {at(recorded, tz)} 记录。请按检查表的处置要求处理并报告当班主管。",
        ],
    )


def digest(site: str, shift: str, start, end, figures: dict, tz: ZoneInfo) -> tuple:
    rounds = f"{figures['rounds_done']}/{figures['rounds_required']}"
    runs = f"{figures['runs_done']}/{figures['runs_due']}"
    lines = [
        f"{at(start, tz)} – {at(end, tz)}",
        f"巡逻 {rounds} 轮，检查表 {runs} 次；确认漏做 {figures['missed']}，"
        f"待同步 {figures['pending']}。",
        f"本班告警：读数超限 {figures['out_of_range']}，工单超时 {figures['ticket_late']}，"
        f"异常超时 {figures['exception_late']}。",
        f"下班时仍超时的工单 {figures['late_tickets']} 张，异常 {figures['late_exceptions']} 条。",
    ]
    return f"【交班汇总】{site} · {shift}", lines


def test(site: str, channel: str, by: str, now, tz) -> tuple:
    return (
        f"【测试】{site} · 告警通道",
        [f"{by} 于 {at(now, tz)} 从管理后台发出的测试消息（{channel}）。收到即表示通道可用。"],
    )
