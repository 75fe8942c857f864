"""Labels of the staff campaigns pages (key -> (zh, en)), merged into web/i18n.py's catalogue."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the list
    "camp.list.title": ("专项活动", "Campaigns"),
    "camp.list.intro": (
        "{area}的清明、烈士纪念日（9月30日）等专项祭扫活动：每处纪念设施、烈士陵园和散葬烈士墓各有一项清洁任务和一项祭扫任务。",
        "Seasonal campaigns of {area} (Qingming, Martyrs' Day on 30 September): every memorial, cemetery and "
        "scattered grave gets one cleaning task and one tribute task.",
    ),
    "camp.list.whole_atlas": ("全部区域", "the whole atlas"),
    "camp.list.none": (
        "还没有专项活动。用下面的表单发起一项。",
        "No campaign yet. Start one with the form below.",
    ),
    "camp.list.none_read_only": ("还没有专项活动。", "No campaign yet."),
    "camp.list.caption": ("专项活动（最新的在前）", "Campaigns (newest first)"),
    "camp.list.more": (
        "共 {total} 项，这里列出最新的 {shown} 项。",
        "{total} campaigns; the newest {shown} are listed.",
    ),
    "camp.col.title": ("活动", "Campaign"),
    "camp.col.kind": ("类型", "Kind"),
    "camp.col.year": ("年度", "Year"),
    "camp.col.area": ("区域", "Area"),
    "camp.col.dates": ("起止日期", "Dates"),
    "camp.col.created": ("发起时间", "Started"),
    "camp.col.progress": ("进度（已完成/任务数）", "Progress (done / tasks)"),
    "camp.kind.qingming": ("清明祭扫", "Qingming"),
    "camp.kind.martyrs_day": ("烈士纪念日（9·30）", "Martyrs' Day (30 Sept)"),
    "camp.kind.other": ("其他", "Other"),
    "camp.default_title": ("{year}年{kind}", "{kind} {year}"),
    "camp.progress": ("{done}/{total}（{percent}%）", "{done}/{total} ({percent}%)"),
    "camp.progress.label": ("{name}进度：已完成 {done} 项，共 {total} 项", "{name}: {done} of {total} done"),
    "camp.dates": ("{starts} 至 {due}", "{starts} to {due}"),
    # the start form
    "camp.start.title": ("发起专项活动", "Start a campaign"),
    "camp.start.intro": (
        "为所选区域（含下级区域）的每处设施生成清洁和祭扫任务，任务截止日期为活动日（清明节当天或9月30日）。",
        "Makes a cleaning and a tribute task for every site of the chosen area (its sub-areas included), due on "
        "the day itself (Qingming, or 30 September).",
    ),
    "camp.start.kind": ("类型", "Kind"),
    "camp.start.year": ("年度", "Year"),
    "camp.start.area": ("区域", "Area"),
    "camp.start.submit": ("发起活动", "Start the campaign"),
    "camp.start.sending": ("正在生成任务……", "Making the tasks…"),
    "camp.start.bad_year": (
        "年度须是 {low} 至 {high} 之间的整数。",
        "The year must be a whole number from {low} to {high}.",
    ),
    "camp.start.no_area": ("请选择区域。", "Choose an area."),
    "camp.start.open_existing": ("打开已有的活动 #{id}", "Open the existing campaign #{id}"),
    "camp.start.failed": (
        "未能发起活动：{reason}",
        "The campaign was not started: {reason}",
    ),
    "camp.start.refused_generic": (
        "服务器拒绝了这次发起（状态 {status}），没有生成任何任务。",
        "The server refused (status {status}); no task was made.",
    ),
    "camp.start.forbidden": (
        "您的账号不能为该区域发起活动（只能在您所辖区域内发起），没有生成任何任务。",
        "Your account may not start a campaign for this area (only within your own area); no task was made.",
    ),
    "camp.start.offline": (
        "无法连接服务器，没有生成任何任务。请稍后再试。",
        "The server could not be reached; no task was made. Try again shortly.",
    ),
    "camp.start.signed_out": (
        "登录已过期，请重新登录后再发起。",
        "Your sign-in has expired; sign in again and start it then.",
    ),
    "camp.start.read_only": (
        "您的角色可以查看专项活动，但不能发起。",
        "Your role may read campaigns but not start one.",
    ),
    "camp.started": (
        "活动已发起：生成了 {count} 项任务。",
        "The campaign has started: {count} tasks were made.",
    ),
    # one campaign
    "camp.detail.back": ("全部专项活动", "All campaigns"),
    "camp.detail.title": ("专项活动 #{id}", "Campaign #{id}"),
    "camp.detail.facts": ("活动信息", "About the campaign"),
    "camp.detail.overall": ("总进度", "Overall"),
    "camp.detail.states": ("任务状态", "Tasks by state"),
    "camp.detail.by_part": ("各{level}进度", "Progress by {level}"),
    "camp.detail.by_crew": ("各维护人员进度", "Progress by crew"),
    "camp.detail.part_outside": ("（不属于任何下级区域）", "(in no sub-area)"),
    "camp.detail.unassigned": ("未派工", "Not assigned"),
    "camp.detail.mine_only": (
        "此活动覆盖{area}；这里只显示您所辖区域 {mine} 的任务和进度。",
        "This campaign covers {area}; only the tasks and progress of your area {mine} are shown.",
    ),
    "camp.detail.no_tasks": ("没有任务。", "No tasks."),
    "camp.col.part": ("区域", "Area"),
    "camp.col.crew": ("维护人员", "Crew"),
    "camp.col.done": ("进度", "Progress"),
    "camp.col.open": ("未完成", "Open"),
    "camp.col.dropped": ("驳回/重复", "Rejected / duplicate"),
    "camp.tasks.title": ("任务", "Tasks"),
    "camp.tasks.state": ("状态", "State"),
    "camp.tasks.part": ("区域", "Area"),
    "camp.tasks.any": ("全部", "Any"),
    "camp.tasks.apply": ("筛选", "Filter"),
    "camp.tasks.clear": ("清除筛选", "Clear filters"),
    "camp.tasks.count": ("共 {total} 项任务", "{total} tasks"),
    "camp.tasks.range": ("第 {first}–{last} 项，共 {total} 项", "{first}–{last} of {total}"),
    "camp.tasks.prev": ("上一页", "Previous"),
    "camp.tasks.next": ("下一页", "Next"),
    "camp.tasks.none": ("没有符合筛选条件的任务。", "No task matches the filters."),
    "camp.tasks.caption": ("活动任务", "The campaign's tasks"),
    "camp.col.task": ("工单", "Order"),
    "camp.col.site": ("设施", "Site"),
    "camp.col.task_kind": ("任务", "Task"),
    "camp.col.state": ("状态", "State"),
    "camp.col.who": ("负责人", "Who"),
    "camp.col.when": ("最近更新", "Last change"),
    "camp.unnamed_site": ("（无名称）{collection} #{id}", "(unnamed) {collection} #{id}"),
    "camp.nobody": ("—", "—"),
    "camp.refused.not_found": ("没有编号为 {id} 的专项活动。", "There is no campaign #{id}."),
    # errors of the domain
    "error.campaigns.exists": (
        "{year}年已有同类活动覆盖该区域：{area_name}（{area}）的活动 #{id}，不能重复发起。",
        "A campaign of this kind for {year} already covers this area: campaign #{id} of {area_name} ({area}); "
        "it cannot be started twice.",
    ),
    "error.campaigns.bad_state": ("没有“{value}”这种任务状态。", "There is no task state “{value}”."),
    "error.campaigns.bad_part": (
        "区域 {value} 不是此活动的下级区域。",
        "Area {value} is not a part of this campaign.",
    ),
}
