"""The resident pages' words, in Chinese and English, and the plain view of a ticket's progress:
no staff names or phone numbers, only which team has it and what happens next."""

from __future__ import annotations

import datetime as dt

from generator.labels import duration_words
from pwa.ops.desk import Desk
from pwa.ops.tickets import State

WORDS = {
    "zh": {
        "title": "报事报修",
        "intro": "房屋报修、投诉或咨询，"
        "在这里告诉我们。提交后会得到一个单号和一个只属于您的进度链接。",
        "urgent": "有人受伤、着火、被困电梯等紧急情况，"
        "请直接拨打 110 / 119 / 120，或物业值班电话。",
        "category": "类别",
        "room": "房号或位置",
        "room_hint": "例如 3 栋 1 单元 502，或 地下车库 B2",
        "name": "您的称呼",
        "phone": "手机号码",
        "phone_hint": "只有客服和主管能看到，用于联系和回访",
        "description": "情况说明",
        "photos": "照片（最多 3 张，可不传）",
        "submit": "提交",
        "expect": "我们的承诺",
        # punctuation between a label and its value, and after a sentence
        "colon": "：",
        "stop": "。",
        "error": "请检查",
        "received": "已收到您的报事",
        "number": "单号",
        "keep_link": "请收藏本页或复制链接，凭它查看进度、确认和评价；不要转发给他人。",
        "progress": "进度",
        "confirm_q": "问题解决了吗？",
        "confirm": "已解决",
        "reopen": "没有解决",
        "reason": "哪里还有问题？",
        "rate_q": "请为这次服务评价",
        "satisfied": "满意",
        "fair": "基本满意",
        "unsatisfied": "不满意",
        "comment": "意见或建议（可不填）",
        "send": "提交评价",
        "rated": "您的评价",
        "thanks": "感谢您的评价。",
        "limited_address": "这个网络今天提交的次数过多，请稍后再试，或直接致电客服中心。",
        "limited_phone": "这个手机号今天已提交多次。如需补充，"
        "请在原单的进度链接里说明，或致电客服中心。",
        "limited_size": "照片太大，请少传几张或换一张较小的照片。",
        "back": "返回",
        "poster_title": "扫码报事报修",
        "poster_text": "维修、投诉、咨询，手机扫码即可提交，随时查看进度。",
        "other_language": "English",
        "too_big": "照片过大",
        "not_image": "只能上传 JPEG、PNG 或 WebP 照片",
        "too_many": "最多 3 张照片",
        "due": "应在 {time} 前",
        "paused": "等待您确认期间暂停计时",
        # a status-page form the server could not take (a browser that ignored `required`)
        "failed_confirm": "没能记下您的确认，请再试一次。",
        "failed_reopen": "请写明哪里还有问题（最多 500 字）后再提交。",
        "failed_rate": "请先选择满意、基本满意或不满意，再提交评价（意见最多 500 字）。",
    },
    "en": {
        "title": "Report a problem",
        "intro": "Report a repair, make a complaint or ask a question. You get a ticket number "
        "and a private link to follow it.",
        "urgent": "If someone is hurt, there is a fire or someone is trapped in a lift, call "
        "110 / 119 / 120 or the property's duty phone now.",
        "category": "Kind",
        "room": "Flat or place",
        "room_hint": "e.g. Block 3, Unit 1, 502, or garage B2",
        "name": "Your name",
        "phone": "Mobile number",
        "phone_hint": "Seen only by the service desk and supervisors, to reach you and call back",
        "description": "What happened",
        "photos": "Photos (up to 3, optional)",
        "submit": "Send",
        "expect": "What we promise",
        "colon": ": ",
        "stop": ". ",
        "error": "Please check",
        "received": "We have your report",
        "number": "Ticket",
        "keep_link": "Bookmark this page or copy its link: it shows the progress and lets you "
        "confirm and rate. Do not pass it on.",
        "progress": "Progress",
        "confirm_q": "Is it fixed?",
        "confirm": "Yes, fixed",
        "reopen": "Not fixed",
        "reason": "What is still wrong?",
        "rate_q": "How did we do?",
        "satisfied": "Satisfied",
        "fair": "Fair",
        "unsatisfied": "Unsatisfied",
        "comment": "Comments (optional)",
        "send": "Send rating",
        "rated": "Your rating",
        "thanks": "Thank you for rating us.",
        "limited_address": "Too many reports from this network today. Try again later or call "
        "the service desk.",
        "limited_phone": "This number has reported several times today. Add to your earlier "
        "ticket through its link, or call the service desk.",
        "limited_size": "The photos are too large: send fewer or smaller ones.",
        "back": "Back",
        "poster_title": "Scan to report a problem",
        "poster_text": "Repairs, complaints, questions: scan, send, and follow the progress.",
        "other_language": "中文",
        "too_big": "a photo is too large",
        "not_image": "only JPEG, PNG or WebP photos",
        "too_many": "at most 3 photos",
        "due": "by {time}",
        "paused": "paused while we wait for you",
        "failed_confirm": "Your answer was not saved; please try again.",
        "failed_reopen": "Say what is still wrong (at most 500 characters), then send.",
        "failed_rate": "Choose Satisfied, Fair or Unsatisfied, then send (comments at most "
        "500 characters).",
    },
}

STATUS = {
    "zh": {
        "new": "已受理，正在安排人员",
        "assigned": "已派给{team}，等待接单",
        "accepted": "{team}已接单，正在前往",
        "on_site": "{team}已到场处理",
        "waiting": "已处理完毕，请您确认",
        "confirmed": "您已确认解决",
        "closed": "已办结",
        "cancelled": "已撤销",
    },
    "en": {
        "new": "Received; we are finding someone",
        "assigned": "Sent to the {team}",
        "accepted": "The {team} has it and is on the way",
        "on_site": "The {team} is on site",
        "waiting": "Done: please confirm",
        "confirmed": "You confirmed it is fixed",
        "closed": "Closed",
        "cancelled": "Cancelled",
    },
}

# the milestones a resident sees; notes, calls and internal moves stay at the desk
SHOWN = (
    "created",
    "assigned",
    "accepted",
    "arrived",
    "finished",
    "confirmed",
    "reopened",
    "closed",
)
STEP = {
    "zh": {
        "created": "提交报事",
        "assigned": "派单",
        "accepted": "接单",
        "arrived": "到场",
        "finished": "处理完毕",
        "confirmed": "确认解决",
        "reopened": "重新处理",
        "closed": "办结",
    },
    "en": {
        "created": "Reported",
        "assigned": "Dispatched",
        "accepted": "Accepted",
        "arrived": "On site",
        "finished": "Done",
        "confirmed": "Confirmed",
        "reopened": "Reopened",
        "closed": "Closed",
    },
}


def words(lang: str) -> dict[str, str]:
    return WORDS[lang]


def _roles(raw: dict, lang: str) -> dict[str, str]:
    roles = (raw.get("site") or {}).get("roles", [])
    return {r["id"]: (r.get("name_en") or r["name"]) if lang == "en" else r["name"] for r in roles}


def promise(category: dict, roles: dict[str, str], lang: str) -> str:
    """What a resident may expect of a category, from its limits unless it says so itself."""
    if category.get("expect") and lang == "zh":
        return category["expect"]
    team = roles.get(category["dispatch_to"], category["dispatch_to"])
    parts = []
    if category.get("on_site"):
        on_site = duration_words(category["on_site"], lang)
        parts.append(
            f"{team}{on_site}内到场" if lang == "zh" else f"{team} on site within {on_site}"
        )
    elif category.get("respond"):
        respond = duration_words(category["respond"], lang)
        parts.append(f"{respond}内答复" if lang == "zh" else f"an answer within {respond}")
    close = duration_words(category["close"], lang)
    parts.append(f"{close}内处理完毕" if lang == "zh" else f"done within {close}")
    return ("，".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".").capitalize()


def choices(desk: Desk, raw: dict, lang: str = "zh") -> list[dict]:
    roles = _roles(raw, lang)
    return [
        {
            "id": c["id"],
            "name": (c.get("name_en") or c["name"]) if lang == "en" else c["name"],
            "description": c.get("description", ""),
            "promise": promise(c, roles, lang),
        }
        for c in desk.raw_categories.values()
        if c.get("resident", True)
    ]


def status_view(desk: Desk, raw: dict, row, state: State, lang: str = "zh") -> dict:
    zone = desk.calendar(row.site).zone
    roles = _roles(raw, lang)
    category = desk.raw_categories.get(row.category, {"dispatch_to": "", "name": row.category})
    team = roles.get(state.pool or category.get("dispatch_to", ""), WORDS[lang]["title"])

    def local(at: dt.datetime) -> str:
        return at.astimezone(zone).strftime("%m-%d %H:%M")

    steps = [
        {"what": STEP[lang][e.kind], "at": local(e.at)}
        for e in state.log
        if e.kind in SHOWN and e.id not in state.flags
    ]
    close = state.clocks.get("close")
    if state.open and close is not None:
        due = (
            WORDS[lang]["paused"]
            if close.stopped
            else WORDS[lang]["due"].format(time=local(close.due))
            if close.due
            else ""
        )
    else:
        due = ""
    return {
        "status": STATUS[lang][state.status].format(team=team),
        "category": (category.get("name_en") or category["name"])
        if lang == "en"
        else category["name"],
        "promise": promise(category, roles, lang) if "close" in category else "",
        "due": due,
        "steps": steps,
        "may_confirm": state.status == "waiting",
        "may_rate": state.status in ("waiting", "confirmed", "closed") and state.rating is None,
        "rating": state.rating and WORDS[lang][state.rating],
    }
