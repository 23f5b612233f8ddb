"""The words generated pages and the bundle use around the content, in Chinese and English:
page labels, numbers and ranges, schedules (每日两次) and durations (15分钟).
"""

from __future__ import annotations

from generator.schedule import Period, duration_parts

CN_DIGITS = "零一二三四五六七八九十"

ZH = {
    "version": "版本",
    "owner": "负责岗位",
    "roles": "适用岗位",
    "effective": "生效日期",
    "review_by": "下次复审",
    "overdue": "已过复审期",
    "purpose": "目的",
    "scope": "适用范围",
    "standards": "工作标准",
    "target": "指标",
    "requirement": "要求",
    "note": "说明",
    "steps": "操作步骤",
    "warning": "注意",
    "result": "结果",
    "sign": "签字",
    "contact_for": "联系",
    "within": "{d}内",
    "records": "记录",
    "related": "相关文件",
    "changes": "修订记录",
    "date": "日期",
    "summary": "内容",
    "triggers": "启动条件",
    "severity": "事件分级",
    "level": "级别",
    "name": "名称",
    "criteria": "判定标准",
    "first_actions": "先期处置",
    "authors": "给编写者",
    "contacts": "紧急联系电话",
    "public_numbers": "报警与急救",
    "example_number": "示例号码",
    "escalation": "逐级上报",
    "call_first": "先报警求助，再向上报告",
    "call_first_text": "有人受伤或生命受到威胁、看到明火或浓烟、违法犯罪正在发生时，"
    "在场的人马上自己拨打电话，不等任何人批准，打完再报告监控中心和当班主管：",
    "calls_first": "以下情况由在场人员直接拨打，不等逐级批准：",
    "then_report": "报警后（以及其他情况）按以下顺序逐级上报：",
    "evacuation": "疏散",
    "record_fields": "事件处理记录（紧急事件处理记录表）",
    "field": "栏目",
    "type": "类型",
    "drill": "演练频次",
    "schedule": "频次",
    "at": "时间",
    "shifts": "班次",
    "all_shifts": "不限班次",
    "content_language": "",
    "shift_schedule": "{shifts}：{n}",
    "rotation": "（班内每{d}轮换岗位）",
    "time_allowed": "限时",
    "checklist_items": "检查项目",
    "print_version": "打印纸质版（A4）",
    "other_area": "其他",
    "required": "必填",
    "optional": "选填",
    "range": "正常范围",
    "options": "选项",
    "see_step": "见《{title}》第 {n} 步",
    "on_fail": "异常处理",
    "open_plan": "启动 {title}",
    "print_title": "{title}（纸质记录表）",
    "back_to": "返回：{title}",
    "print_hint": "用浏览器的“打印”输出，A4 纸",
    "print_bar": "打印页导航",
    "property": "项目",
    "inspector": "检查人",
    "reviewer": "主管复核",
    "round": "第{n}次",
    "remarks": "备注",
    "no": "序号",
    "area": "区域",
    "item": "检查内容",
    "standard": "标准",
    "site": "项目",
    "order": "巡查顺序",
    "order_strict": "按顺序逐点巡查",
    "order_free": "不限顺序",
    "people": "人数",
    "people_n": "{n} 人",
    "checkpoints": "巡更点",
    "code": "点位编码",
    "tasks": "检查内容",
    "posters": "巡更点二维码（打印张贴）",
    "posters_title": "{title}：巡更点二维码",
    "pdf": "下载全部二维码 PDF",
    "scan_hint": "巡更时用 App 扫描此码",
    "search_dialog": "搜索手册",
    "audience": "培训对象",
    "due_within": "完成期限",
    "due_words": "入职后 {d}内",
    "pass_mark": "及格线",
    "modules": "学习内容",
    "quiz": "测验",
    "quiz_note": "请在 App 中作答；答案不在本页显示。",
    "single": "单选",
    "multiple": "多选",
    "role_title": "{role}工作手册",
    "role_intro": "以下是适用于{role}的全部制度、检查表、巡更路线、应急预案和培训。",
    "nothing": "暂无",
    "home": "首页",
    "tags": "标签",
    "by_role": "按岗位",
    "procedure": "制度/SOP",
    "checklist": "检查表",
    "patrol": "巡更路线",
    "emergency": "应急预案",
    "course": "培训",
    "check": "检查",
    "number": "数值",
    "text": "文字",
    "choice": "选择",
    "photo": "拍照",
    "photo_in_app": "拍照（用手机应用）",
    "pass": "合格",
    "fail": "不合格",
    "reading": "读数/说明",
    "round_col": "轮次",
    "time": "时间",
    "datetime": "日期时间",
    "yes": "是",
    "no_": "否",
}

EN = {
    "version": "Version",
    "owner": "Owner",
    "roles": "Applies to",
    "effective": "Effective",
    "review_by": "Next review",
    "overdue": "Review overdue",
    "purpose": "Purpose",
    "scope": "Scope",
    "standards": "Standards",
    "target": "Target",
    "requirement": "Requirement",
    "note": "Note",
    "steps": "Steps",
    "warning": "Warning",
    "result": "Result",
    "sign": "Signature",
    "contact_for": "Call",
    "within": "within {d}",
    "records": "Records",
    "related": "Related documents",
    "changes": "Change log",
    "date": "Date",
    "summary": "Summary",
    "triggers": "Triggers",
    "severity": "Severity",
    "level": "Level",
    "name": "Name",
    "criteria": "Criteria",
    "first_actions": "First actions",
    "authors": "For authors",
    "contacts": "Emergency contacts",
    "public_numbers": "Police, fire and ambulance",
    "example_number": "example number",
    "escalation": "Escalation",
    "call_first": "Call for help first, then report",
    "call_first_text": "If someone is hurt or in danger, you see flames or smoke, or a crime "
    "is in progress, call at once yourself, without waiting for approval, "
    "then tell the control room and the "
    "duty supervisor: ",
    "calls_first": "Call these directly, without waiting for approval:",
    "then_report": "After the call (and in every other case) report up in this order:",
    "evacuation": "Evacuation",
    "record_fields": "Incident record",
    "field": "Field",
    "type": "Type",
    "drill": "Drills",
    "schedule": "Schedule",
    "at": "At",
    "shifts": "Shifts",
    "all_shifts": "any shift",
    "content_language": "The text of this document is in Chinese only; headings and labels are "
    "translated.",
    "shift_schedule": "{shifts}: {n}",
    "rotation": " (posts rotate every {d})",
    "time_allowed": "Time allowed",
    "checklist_items": "Items",
    "print_version": "Printable paper version (A4)",
    "other_area": "Other",
    "required": "required",
    "optional": "optional",
    "range": "normal range",
    "options": "options",
    "see_step": "see {title}, step {n}",
    "on_fail": "If not OK",
    "open_plan": "start {title}",
    "print_title": "{title} (paper record)",
    "back_to": "Back to {title}",
    "print_hint": "Print from the browser on A4 paper",
    "print_bar": "Print page navigation",
    "property": "Site",
    "inspector": "Checked by",
    "reviewer": "Reviewed by supervisor",
    "round": "Round {n}",
    "remarks": "Remarks",
    "no": "No.",
    "area": "Area",
    "item": "Item",
    "standard": "Standard",
    "site": "Site",
    "order": "Order",
    "order_strict": "checkpoints in the order listed",
    "order_free": "any order",
    "people": "People",
    "people_n": "{n}",
    "checkpoints": "Checkpoints",
    "code": "Code",
    "tasks": "Tasks",
    "posters": "Checkpoint QR codes (print and post)",
    "posters_title": "{title}: checkpoint QR codes",
    "pdf": "Download all QR codes as PDF",
    "scan_hint": "Scan with the app on your round",
    "search_dialog": "Search the handbook",
    "audience": "Audience",
    "due_within": "Due",
    "due_words": "within {d} of joining",
    "pass_mark": "Pass mark",
    "modules": "What to read",
    "quiz": "Quiz",
    "quiz_note": "Answer in the app; the answers are not shown on this page.",
    "single": "single choice",
    "multiple": "multiple choice",
    "role_title": "{role}: start here",
    "role_intro": "Everything that applies to {role}: procedures, checklists, patrol routes, "
    "emergency plans and training.",
    "nothing": "none",
    "home": "Home",
    "tags": "Tags",
    "by_role": "By role",
    "procedure": "Procedures",
    "checklist": "Checklists",
    "patrol": "Patrol routes",
    "emergency": "Emergency plans",
    "course": "Training",
    "check": "check",
    "number": "number",
    "text": "text",
    "choice": "choice",
    "photo": "photo",
    "photo_in_app": "Photo (in the phone app)",
    "pass": "Pass",
    "fail": "Fail",
    "reading": "Reading / note",
    "round_col": "Round",
    "time": "Time",
    "datetime": "date and time",
    "yes": "yes",
    "no_": "no",
}

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
