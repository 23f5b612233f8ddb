"""What staff type into the handbook's search box, and the page each query must find.

Colloquial words as a worried guard types them on a phone, not the handbook's own titles.
A query may name two pages where either answers it honestly (a procedure and its checklist).
"""

from __future__ import annotations

EMG = "emergencies/emg-{}/"
SOP = "procedures/{}/"
CHK = "checklists/chk-{}/"

QUERIES: dict[str, tuple[str, ...]] = {
    # fire
    "着火了": (EMG.format("fire"),),
    "火警": (EMG.format("fire"),),
    "火灾": (EMG.format("fire"),),
    "119": (EMG.format("fire"),),
    "冒烟": (EMG.format("fire"),),
    "失火": (EMG.format("fire"),),
    # lifts
    "电梯关人": (EMG.format("elevator-trap"),),
    "电梯困人": (EMG.format("elevator-trap"),),
    "被困电梯": (EMG.format("elevator-trap"),),
    "电梯卡住了": (EMG.format("elevator-trap"),),
    "96333": (EMG.format("elevator-trap"),),
    # gas
    "煤气味": (EMG.format("gas-leak"),),
    "煤气": (EMG.format("gas-leak"),),
    "天然气泄漏": (EMG.format("gas-leak"),),
    "燃气": (EMG.format("gas-leak"),),
    # water and power
    "水管爆了": (EMG.format("pipe-burst"),),
    "爆管": (EMG.format("pipe-burst"),),
    "跑水": (EMG.format("pipe-burst"),),
    "水浸": (EMG.format("pipe-burst"),),
    "漏水": (EMG.format("pipe-burst"), SOP.format("eng-vacant-units")),
    "没电了": (EMG.format("power-cut"),),
    "停电": (EMG.format("power-cut"),),
    "跳闸": (EMG.format("power-cut"),),
    "没水了": (EMG.format("water-cut"),),
    "停水": (EMG.format("water-cut"),),
    "下水道堵了": (EMG.format("drain-overflow"),),
    "污水冒出来": (EMG.format("drain-overflow"),),
    # people
    "有人打架": (EMG.format("fight"),),
    "打架": (EMG.format("fight"),),
    "吵架": (EMG.format("fight"),),
    "小偷": (EMG.format("theft-robbery"),),
    "偷东西": (EMG.format("theft-robbery"),),
    "抢劫": (EMG.format("theft-robbery"),),
    "喝醉了": (EMG.format("disturbed-person"),),
    "精神病": (EMG.format("disturbed-person"),),
    "有人触电": (EMG.format("electric-shock"),),
    "中暑": (EMG.format("heat-stroke"),),
    "拉肚子": (EMG.format("food-poisoning"),),
    "食物中毒": (EMG.format("food-poisoning"),),
    "疫情": (EMG.format("epidemic"),),
    "井下晕倒": (EMG.format("confined-space"),),
    "工地有人摔伤": (EMG.format("construction-accident"),),
    # weather
    "地震": (EMG.format("earthquake"),),
    "台风": (EMG.format("typhoon-flood"),),
    "暴雨": (EMG.format("typhoon-flood"),),
    "车库进水": (EMG.format("typhoon-flood"),),
    "路面结冰": (EMG.format("snow-freeze"),),
    # the gate and the grounds
    "搬东西出门": (SOP.format("sec-release"),),
    "放行条": (SOP.format("sec-release"),),
    "搬家": (SOP.format("sec-release"),),
    "高空抛物": (SOP.format("sec-falling-objects"),),
    "楼上扔东西": (SOP.format("sec-falling-objects"),),
    "停车": (SOP.format("sec-parking"), CHK.format("parking")),
    "乱停车": (SOP.format("sec-parking"), CHK.format("parking")),
    "访客登记": (SOP.format("sec-gate"),),
    "外卖进小区": (SOP.format("sec-gate"),),
    "巡逻": (SOP.format("sec-patrol"),),
    "电瓶车上楼": (SOP.format("sec-ebike"),),
    "电动车充电": (SOP.format("sec-ebike"),),
    "钥匙": (SOP.format("sec-keys"),),
    "监控室": (SOP.format("sec-control-room"),),
    # the desk and the engineers
    "报修": (SOP.format("eng-repair"),),
    "业主报修": (SOP.format("eng-repair"),),
    "投诉": (SOP.format("svc-complaint"),),
    "业主投诉": (SOP.format("svc-complaint"),),
    "回访": (SOP.format("svc-callback"),),
    "装修": (SOP.format("svc-renovation"), SOP.format("sec-renovation-patrol")),
    "装修押金": (SOP.format("svc-renovation"),),
    "收房": (SOP.format("svc-move-in"),),
    "交接班": (SOP.format("adm-handover"),),
    "换班": (SOP.format("adm-handover"),),
    "电焊": (SOP.format("eng-hot-work"),),
    "登高作业": (SOP.format("eng-work-at-height"),),
    "水箱清洗": (SOP.format("eng-water-tank"), CHK.format("water-tank")),
    "配电房": (CHK.format("power-room"), SOP.format("eng-pm-power")),
    "水泵房": (CHK.format("pump-room"), SOP.format("eng-pm-pump")),
    "垃圾分类": (SOP.format("cln-waste"),),
    "倒垃圾": (SOP.format("cln-waste"),),
    "打药": (SOP.format("grn-care"),),
    "空置房": (SOP.format("eng-vacant-units"),),
}
