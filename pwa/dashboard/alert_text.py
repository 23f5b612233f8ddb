"""The alert log's words in Chinese and English; `text.py` merges them into its own."""

from __future__ import annotations

ALERT_STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "alerts": "告警",
        "alert_log": "告警记录",
        "alert_hint": "服务器发往企业微信、钉钉群机器人和邮箱的告警。发送失败的会按间隔自动重试；"
        "重试次数用完仍失败的标为“失败”，修好通道后可以重新发送。",
        "alert_pending": "待发送",
        "alert_sent": "已发送",
        "alert_failed": "失败",
        "alert_retried": "重试过",
        "alert_all": "全部",
        "alert_kind": "种类",
        "alert_channel": "通道",
        "alert_target": "发往",
        "alert_title": "内容",
        "alert_attempts": "尝试次数",
        "alert_error": "最近一次错误",
        "alert_created": "产生时间",
        "alert_sent_at": "发送时间",
        "alert_retry": "重新发送",
        "alert_test": "发送测试告警",
        "alert_test_hint": "向所选小区配置的每条通道各发一条测试消息，结果见下表。",
        "alert_no_routes": "手册里还没有任何小区配置告警通道（site 文档中项目的 alerts）。",
        "kind_missed": "确认漏做",
        "kind_not_synced": "待同步",
        "kind_ticket_late": "工单超时",
        "kind_exception_late": "异常超时",
        "kind_out_of_range": "读数超限",
        "kind_digest": "交班汇总",
        "kind_test": "测试",
    },
    "en": {
        "alerts": "Alerts",
        "alert_log": "Alert log",
        "alert_hint": "Alerts the server sends to WeCom and DingTalk group robots and by e-mail. "
        "A failed send is retried at growing intervals; one still failing when its tries run "
        "out is marked failed and can be sent again once the channel is fixed.",
        "alert_pending": "Pending",
        "alert_sent": "Sent",
        "alert_failed": "Failed",
        "alert_retried": "Retried",
        "alert_all": "All",
        "alert_kind": "Kind",
        "alert_channel": "Channel",
        "alert_target": "To",
        "alert_title": "Message",
        "alert_attempts": "Tries",
        "alert_error": "Last error",
        "alert_created": "Raised",
        "alert_sent_at": "Sent at",
        "alert_retry": "Send again",
        "alert_test": "Send a test alert",
        "alert_test_hint": "Sends one test message to each channel of the chosen site; the "
        "result shows in the table below.",
        "alert_no_routes": "No site of the handbook has alert channels yet (alerts of a "
        "property in the site document).",
        "kind_missed": "Missed",
        "kind_not_synced": "Not yet synced",
        "kind_ticket_late": "Ticket late",
        "kind_exception_late": "Exception late",
        "kind_out_of_range": "Out of range",
        "kind_digest": "Shift digest",
        "kind_test": "Test",
    },
}
