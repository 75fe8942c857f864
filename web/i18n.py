"""A small message catalogue for the map pages: Chinese (default) and English labels.

Keys are dotted: ``layer.stations``, ``field.level``, ``station_level.village`` and so on.
Enumerated values use the group name used in the database followed by the stored value.
"""

from __future__ import annotations

from urllib.parse import urlencode

from geo.errors import DomainError
from web.messages import (
    accounts,
    atlas,
    campaigns,
    coverage,
    crew_map,
    crew_offline,
    crew_work,
    directions,
    family,
    import_values,
    imports,
    inspections,
    moderation,
    ogc,
    ogc_html,
    proxy_tribute,
    public,
    public_sites,
    reports,
    sites,
    siting,
    travel,
    validation,
    work_orders,
)

DEFAULT_LANG = "zh"
LANGS: tuple[str, ...] = ("zh", "en")

# key -> (zh, en)
_CATALOGUE: dict[str, tuple[str, str]] = {
    # page
    "app.title": ("退役军人服务地图 VetMap", "VetMap — veterans' service map"),
    # distances (distance_text): the number, then its unit
    "distance.m": ("{n}米", "{n} m"),
    "distance.km": ("{n}公里", "{n} km"),
    # layers
    "layer.stations": ("服务站", "Service stations"),
    "layer.memorials": ("纪念设施", "Memorial facilities"),
    "layer.cemeteries": ("烈士陵园", "Martyr cemeteries"),
    "layer.graves": ("烈士墓", "Martyr graves"),
    "layer.boundaries": ("行政区划", "Boundaries"),
    # popup field labels
    "field.name": ("名称", "Name"),
    "field.martyr_name": ("烈士姓名", "Martyr"),
    "field.level": ("级别", "Level"),
    "field.kind": ("类型", "Type"),
    "field.status": ("状态", "Status"),
    "field.upkeep_status": ("维护状况", "Upkeep"),
    "field.protection_level": ("保护级别", "Protection level"),
    "field.area": ("行政区", "Area"),
    "field.area_code": ("区划代码", "Area code"),
    "field.star_rating": ("星级", "Star rating"),
    "field.people_served": ("服务人数", "People served"),
    "field.national_model": ("全国示范型", "National model station"),
    "field.condition_index": ("状况指数", "Condition index"),
    "field.grave_capacity": ("墓位容量", "Grave capacity"),
    "field.cemetery": ("所在陵园", "Cemetery"),
    "field.position": ("墓位", "Grave position"),
    "field.section": ("区", "Section"),
    "field.row": ("排", "Row"),
    "field.number": ("号", "No."),
    "grave.unnamed": ("无名烈士", "Unnamed martyr"),
    "value.yes": ("是", "Yes"),
    # station levels
    "station_level.province": ("省级", "Province"),
    "station_level.city": ("市级", "City"),
    "station_level.county": ("县级", "County"),
    "station_level.township": ("乡镇(街道)", "Township (street)"),
    "station_level.village": ("村(社区)", "Village (community)"),
    # station status
    "station_status.active": ("运行", "Active"),
    "station_status.planned": ("筹建", "Planned"),
    "station_status.closed": ("撤销", "Closed"),
    # memorial kinds
    "memorial_kind.hall": ("纪念堂馆", "Memorial hall"),
    "memorial_kind.monument": ("纪念碑亭", "Monument or pavilion"),
    "memorial_kind.tower": ("纪念塔祠", "Memorial tower or shrine"),
    "memorial_kind.statue": ("纪念塑像", "Memorial statue"),
    "memorial_kind.square": ("纪念广场", "Memorial square"),
    "memorial_kind.name_wall": ("英名墙", "Wall of names"),
    # cemetery kinds
    "cemetery_kind.martyr_cemetery": ("烈士陵园", "Martyr cemetery"),
    "cemetery_kind.grave_area": ("烈士墓区", "Martyr grave area"),
    "cemetery_kind.columbarium": ("骨灰堂", "Columbarium"),
    "cemetery_kind.veterans_section": ("公墓军人区", "Veterans' section of a cemetery"),
    # protection levels
    "protection_level.national": ("全国重点", "National key site"),
    "protection_level.provincial": ("省级", "Provincial"),
    "protection_level.city": ("市级", "City"),
    "protection_level.county": ("县级", "County"),
    "protection_level.scattered": ("零散", "Scattered (unranked)"),
    # upkeep status
    "upkeep_status.good": ("良好", "Good"),
    "upkeep_status.fair": ("一般", "Fair"),
    "upkeep_status.poor": ("较差", "Poor"),
    "upkeep_status.damaged": ("损坏", "Damaged"),
    "upkeep_status.unknown": ("未评估", "Not assessed"),
    # grave kinds
    "grave_kind.in_cemetery": ("陵园内", "In a cemetery"),
    "grave_kind.scattered": ("散葬", "Scattered grave"),
    # administrative levels
    "area_level.province": ("省", "Province"),
    "area_level.city": ("市", "City"),
    "area_level.county": ("县(区)", "County"),
    "area_level.township": ("乡镇(街道)", "Township"),
    "area_level.village": ("村(社区)", "Village"),
    # coverage map page ({...} are filled in with str.format)
    "coverage.title": ("服务站覆盖率地图", "Service station coverage map"),
    "coverage.all_areas": ("全部地区", "All areas"),
    "coverage.layer.units": ("{level}覆盖率", "Coverage by {level}"),
    "coverage.layer.villages": ("村(社区)", "Villages"),
    "coverage.layer.uncovered": ("未覆盖村(社区)", "Uncovered villages"),
    "coverage.layer.stations": ("服务站", "Service stations"),
    "coverage.layer.reach_village": ("村级站服务范围({reach})", "Village station reach ({reach})"),
    "coverage.layer.reach_township": ("乡镇级站服务范围({reach})", "Township station reach ({reach})"),
    "coverage.layer.proposed": ("拟建站点", "Proposed sites"),
    "coverage.layer.service_area": ("道路{minutes}分钟服务区", "Service area by road ({minutes} min)"),
    "coverage.by.village": ("村级站", "a village station"),
    "coverage.by.township": ("乡镇级站", "a township station"),
    "coverage.by.any": ("任一级站", "any station"),
    "coverage.weight.population": ("人口覆盖率", "Share of population"),
    "coverage.weight.villages": ("村(社区)覆盖率", "Share of villages"),
    "coverage.legend": ("{weight}：{reach}内有{by}", "{weight} within {reach} of {by}"),
    "coverage.no_data": ("无数据", "No data"),
    "coverage.covered": ("已覆盖", "Covered"),
    "coverage.not_covered": ("未覆盖", "Not covered"),
    "coverage.nearest_village_station": ("最近村级站", "Nearest village station"),
    "coverage.nearest_township_station": ("最近乡镇级站", "Nearest township station"),
    "coverage.none_found": ("无", "none"),
    "coverage.reach": ("服务半径", "Reach"),
    "coverage.people_newly_covered": ("新增覆盖人口", "People newly covered"),
    "coverage.open_area": ("打开该区域覆盖率地图", "Open the coverage map of this area"),
    "coverage.thresholds": ("服务半径(米)", "Reach (metres)"),
    "coverage.village_m": ("村级站", "Village stations"),
    "coverage.township_m": ("乡镇级站", "Township stations"),
    "coverage.apply": ("更新", "Update"),
    "coverage.download": ("下载", "Download"),
    "coverage.rates_table": ("覆盖率统计", "Coverage rates"),
    "coverage.gaps_table": (
        "无本级服务站的单位(横向到边、纵向到底)",
        "Units without a station of their level",
    ),
    "coverage.gaps_none": ("每个单位都有本级服务站。", "Every unit has a station of its level."),
    "coverage.gaps_more": (
        "仅显示前{n}条，完整清单请下载。",
        "Showing the first {n}; download the full list.",
    ),
    "coverage.run": ("数据来自第{run}次覆盖计算({time})", "Figures from coverage run {run} ({time})"),
    "coverage.villages_left_out": (
        "本区域有{n}个村(社区)，未逐一画在地图上；请打开下级区域的地图。",
        "This area has {n} villages, too many to draw one by one; open the map of a smaller area.",
    ),
    "coverage.back_to_atlas": ("返回总图", "Back to the atlas map"),
    "coverage.error": ("无法显示覆盖率地图", "The coverage map cannot be shown"),
    "coverage.total": ("合计", "Total"),
    "coverage.about": ("说明", "About"),
    "coverage.run_id": ("覆盖计算批次", "Coverage run"),
    "coverage.computed_at": ("计算时间", "Computed at"),
    "coverage.sheet.rates": ("覆盖率", "Coverage rates"),
    "coverage.sheet.gaps": ("无站单位", "Units without a station"),
    # coverage table columns
    "col.code": ("区划代码", "Code"),
    "col.name": ("名称", "Name"),
    "col.level": ("级别", "Level"),
    "col.parent_code": ("上级区划代码", "Parent code"),
    "col.villages": ("村(社区)数", "Villages"),
    "col.villages_with_population": ("有人口数据的村(社区)数", "Villages with known population"),
    "col.population": ("人口", "Population"),
    "col.villages_covered": ("{reach}内有{by}的村(社区)数", "Villages within {reach} of {by}"),
    "col.village_share": ("{reach}内有{by}的村(社区)占比(%)", "Share of villages within {reach} of {by} (%)"),
    "col.population_covered": ("{reach}内有{by}的人口", "Population within {reach} of {by}"),
    "col.population_share": (
        "{reach}内有{by}的人口占比(%)",
        "Share of population within {reach} of {by} (%)",
    ),
    "col.townships": ("乡镇(街道)数", "Townships"),
    "col.townships_covered": (
        "{reach}内有乡镇级站的乡镇数",
        "Townships within {reach} of a township station",
    ),
    "col.township_share": (
        "{reach}内有乡镇级站的乡镇占比(%)",
        "Share of townships within {reach} of a township station (%)",
    ),
    # sign-in page (issue 5)
    "login.title": ("登录", "Sign in"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.failed": ("用户名或密码错误。", "Wrong username or password."),
    "login.locked": (
        "登录失败次数过多，请{minutes}分钟后再试。",
        "Too many failed sign-ins: try again in {minutes} minutes.",
    ),
    "login.csrf": (
        "表单已过期，请重新登录。",
        "The form has expired: please sign in again.",
    ),
    "login.signed_in_as": ("当前用户：{username}", "Signed in as {username}"),
    "login.role": ("角色", "Role"),
    "login.area": ("负责区域", "Area"),
    "login.whole_atlas": ("全国", "The whole atlas"),
    "login.logout": ("退出登录", "Sign out"),
    "login.back_to_atlas": ("返回地图", "Back to the map"),
    "role.public": ("公众", "Public"),
    "role.crew": ("维护人员", "Maintenance crew"),
    "role.planner": ("规划人员", "Planner"),
    "role.admin": ("管理员", "Administrator"),
    # the staff frame and home (issue 19)
    "staff.product": ("退役军人服务地图 · 工作台", "VetMap · staff workbench"),
    "staff.who.name": ("用户", "User"),
    "staff.nav.label": ("工作导航", "Staff navigation"),
    "staff.refused.title": ("无权使用此页面", "Not open to your account"),
    "staff.refused.role": (
        "您的角色（{role}）不能使用此页面。如需使用，请联系本单位管理员。",
        "Your role ({role}) may not use this page. Ask your bureau's administrator if you need it.",
    ),
    "staff.refused.home": ("返回工作首页", "Back to the staff home"),
    "staff.nav.home": ("首页", "Home"),
    "staff.nav.coverage": ("覆盖", "Coverage"),
    "staff.nav.siting": ("选址", "Siting"),
    "staff.nav.travel": ("出行时间", "Travel time"),
    "staff.nav.sites": ("点位编辑", "Sites"),
    "staff.nav.zones": ("保护范围核查", "Zone check"),
    "staff.nav.imports": ("导入", "Import"),
    "staff.nav.exports": ("导出", "Export"),
    "staff.nav.upkeep": ("养护地图", "Upkeep map"),
    "staff.nav.group.planning": ("规划", "Planning"),
    "staff.nav.group.sites": ("点位", "Sites"),
    "staff.nav.group.upkeep": ("养护", "Upkeep"),
    "staff.nav.group.public": ("公众", "Public"),
    "staff.nav.group.admin": ("管理", "Administration"),
    "staff.nav.family": ("寻亲", "Family requests"),
    "staff.nav.work_orders": ("工单", "Work orders"),
    "staff.nav.inspections": ("巡查记录", "Inspections"),
    "staff.nav.schedule": ("巡查计划", "Schedule"),
    "staff.nav.campaigns": ("专项活动", "Campaigns"),
    "staff.nav.moderation": ("审核", "Moderation"),
    "staff.nav.accounts": ("账号", "Accounts"),
    "staff.nav.audit": ("审计日志", "Audit log"),
    "staff.nav.crew": ("巡护", "Crew app"),
    "staff.nav.api_docs": ("接口文档", "API docs"),
    "staff.home.title": ("工作台首页", "Staff home"),
    "staff.home.group.coverage": ("服务覆盖", "Service coverage"),
    "staff.home.group.upkeep": ("养护", "Upkeep"),
    "staff.home.group.moderation": ("待审核", "Waiting for moderation"),
    "staff.home.unknown": ("—", "—"),
    "staff.home.no_run": ("尚未计算覆盖", "Coverage not computed yet"),
    "staff.home.coverage_share": ("覆盖率", "Coverage rate"),
    "staff.home.coverage_share.note": (
        "{villages}个村中，距最近在运行服务站在服务半径内的比例",
        "Share of the {villages} villages within reach of an active station",
    ),
    "staff.home.beyond_reach": ("服务半径外的村", "Villages beyond reach"),
    "staff.home.beyond_reach.note": (
        "服务半径内没有在运行的服务站",
        "No active station within the service radius",
    ),
    "staff.home.gaps": ("没有本级服务站的单位", "Units without a station of their own"),
    "staff.home.gaps.note": (
        "县、乡镇、村中没有本级服务站的",
        "Counties, townships and villages with no station of their level",
    ),
    "staff.home.overdue": ("逾期未巡查", "Overdue inspections"),
    "staff.home.overdue.note": (
        "超过巡查周期或从未巡查的设施",
        "Sites past their inspection cycle or never inspected",
    ),
    "staff.home.open_orders": ("未结工单", "Open work orders"),
    "staff.home.open_orders.note": ("未验收、未驳回、非重复的工单", "Not verified, rejected or duplicate"),
    "staff.home.tributes": ("待审核的祭扫留言", "Tribute messages to moderate"),
    "staff.home.tributes.note": ("公众留言，审核后公开", "Public messages, shown once approved"),
    "staff.home.report_photos": ("未公开的问题反映照片", "Report photos not published"),
    "staff.home.report_photos.note": (
        "公众反映问题时上传，经工作人员公开后可见",
        "Sent with public reports; shown once staff publish them",
    ),
    "staff.home.family": ("未办结的寻亲申请", "Open family-search requests"),
    "staff.home.family.note": ("新提交或办理中", "New or in progress"),
    # upkeep map and report (issue 6): /upkeep and /api/v1/upkeep/report(.csv|.xlsx)
    "upkeep.title": ("养护地图", "Upkeep map"),
    "upkeep.error": ("无法显示养护地图", "The upkeep map cannot be shown"),
    "upkeep.legend": ("状况指数", "Condition index"),
    "upkeep.layer.overdue": ("逾期未巡查", "Overdue for inspection"),
    "upkeep.overdue": ("逾期未巡查", "Overdue for inspection"),
    "upkeep.last_inspected": ("最近巡查", "Last inspected"),
    "upkeep.next_due": ("下次巡查", "Next inspection due"),
    "upkeep.never": ("从未巡查", "Never"),
    "upkeep.due_now": ("应立即巡查", "Due now"),
    "upkeep.open_orders": ("未完成工单", "Open work orders"),
    "upkeep.year": ("年度", "Year"),
    "upkeep.as_of": ("统计日期", "As of"),
    "upkeep.summary": (
        "共{sites}处设施，其中{overdue}处逾期未巡查(截至{today})。",
        "{sites} sites, {overdue} of them overdue for inspection (as of {today}).",
    ),
    "upkeep.sites_left_out": (
        "本区域有{n}处设施，未逐一画在地图上；请打开下级区域的地图。",
        "This area has {n} sites, too many to draw one by one; open the map of a smaller area.",
    ),
    "upkeep.report_table": ("养护统计", "Upkeep report"),
    "upkeep.sheet": ("养护统计", "Upkeep report"),
    "upkeep.own_row": ("(本级)", "(the area itself)"),
    "upkeep.about_overdue": ("逾期", "Overdue"),
    "upkeep.about_overdue_text": (
        "下次巡查日期早于统计日期，或从未巡查",
        "next inspection due before the date of the figures, or never inspected",
    ),
    "upkeep.col.memorials": ("纪念设施", "Memorial facilities"),
    "upkeep.col.cemeteries": ("烈士陵园", "Cemeteries"),
    "upkeep.col.graves": ("烈士墓", "Graves"),
    "upkeep.col.sites": ("设施合计", "Sites"),
    "upkeep.col.inspected": ("{year}年已巡查", "Inspected in {year}"),
    "upkeep.col.share_inspected": ("{year}年巡查率(%)", "Share inspected in {year} (%)"),
    "upkeep.col.mean_index": ("平均状况指数", "Mean condition index"),
    "upkeep.col.overdue": ("逾期未巡查", "Overdue"),
    "upkeep.col.open_orders": ("未完成工单", "Open work orders"),
    "upkeep.col.spend": ("{year}年维修支出(元)", "Spend in {year} (yuan)"),
    # crews' phone pages (issue 6): /crew and /crew/{collection}/{site_id}
    "crew.title": ("我的任务", "My tasks"),
    "crew.other_lang": ("English", "中文"),
    "crew.back": ("← 我的任务", "← My tasks"),
    "crew.locate": ("按我的位置排序", "Sort by my position"),
    "crew.locating": ("正在获取您的位置…", "Finding your position…"),
    "crew.no_position": ("未能获取位置。", "Your position is not known."),
    "crew.nearest_first": ("由近及远排序", "Nearest first"),
    "crew.urgent_first": ("按紧急程度排序", "Most urgent first"),
    "crew.no_tasks": ("暂无任务。", "No tasks."),
    "crew.more_tasks": ("共{total}项，显示前{n}项。", "{total} tasks; showing the first {n}."),
    "crew.type.work_order": ("工单", "Work order"),
    "crew.type.inspection": ("巡查", "Inspection"),
    "crew.status.never_inspected": ("从未巡查", "Never inspected"),
    "crew.status.overdue": ("已逾期", "Overdue"),
    "crew.status.due_soon": ("即将到期", "Due soon"),
    "crew.due_on": ("到期 {date}", "due {date}"),
    "crew.last_inspected": ("上次巡查", "Last inspected"),
    "crew.next_due": ("下次巡查", "Next inspection"),
    "crew.never": ("从未", "Never"),
    "crew.due_now": ("现在", "Now"),
    "crew.open_orders": ("未完成工单", "Open work orders"),
    "crew.no_open_orders": ("无", "None"),
    "crew.form_title": ("填写巡查", "New inspection"),
    "crew.scores": (
        "逐项评分：0 损毁或缺失 · 1 严重损坏 · 2 损坏 · 3 轻微磨损 · 4 完好",
        "Score each category: 0 destroyed or missing · 1 badly damaged · 2 damaged · 3 minor wear · 4 good as new",
    ),
    "crew.not_applicable": ("不适用", "N/A"),
    "crew.checklist": ("五个条件", "The five conditions"),
    "crew.notes": ("备注", "Notes"),
    "crew.position": ("我的位置", "My position"),
    "crew.position_value": ("{lon}, {lat}（精度约 {acc} 米）", "{lon}, {lat} (within {acc} m)"),
    "crew.position_none": ("未获取位置", "No position"),
    "crew.relocate": ("重新定位", "Locate again"),
    "crew.photos": ("照片", "Photos"),
    "crew.submit": ("提交巡查", "Submit inspection"),
    "crew.need_score": ("请至少为一项评分。", "Score at least one category."),
    "crew.outbox": ("{n} 条待发送", "{n} waiting to send"),
    "crew.saved": ("已保存，正在发送…", "Saved, sending…"),
    "crew.saved_offline": (
        "无法连接：已保存在本机，恢复网络后自动发送。",
        "No connection: saved on this phone; it is sent when the connection returns.",
    ),
    "crew.sent": ("已发送，状况指数 {index}。", "Sent: condition index {index}."),
    "crew.refused": ("未被接受：{reason}", "Refused: {reason}"),
    "crew.refused_title": ("未被接受的提交", "Refused submissions"),
    "crew.photo_refused": ("照片 {name} 未被接受：{reason}", "Photo {name} refused: {reason}"),
    "crew.discard": ("删除", "Discard"),
    "crew.sign_in_again": (
        "登录已过期：请重新登录，待发送的记录会保留。",
        "Your sign-in has expired: sign in again; the waiting records are kept.",
    ),
    "crew.retry_later": (
        "服务器暂时无法接收，稍后自动重试。",
        "The server cannot take it now; it will retry.",
    ),
    "crew.no_storage": ("此浏览器无法在本机保存记录。", "This browser cannot keep records on the phone."),
    "crew.cannot_inspect": ("您的角色不能提交巡查。", "Your role cannot submit inspections."),
    "crew.error_title": ("无法显示", "Cannot be shown"),
    "crew.nav.label": ("外勤页面", "Crew pages"),
    "crew.nav.tasks": ("任务列表", "Task list"),
    "crew.nav.map": ("任务地图", "Task map"),
    "crew.grave_of": ("{name}（{martyr}）", "{name} ({martyr})"),  # a grave and the martyr buried there
    "category.monument": ("碑体/墓体", "Monument or headstone"),
    "category.structure": ("建筑结构", "Structure"),
    "category.paths": ("道路台阶", "Paths and steps"),
    "category.greenery": ("绿化", "Greenery"),
    "category.signage": ("标志标牌", "Signs and plates"),
    "category.enclosure": ("围墙护栏", "Walls and fences"),
    "category.cleanliness": ("环境卫生", "Cleanliness"),
    "checklist.infrastructure_complete": ("基础设施完备", "Infrastructure complete"),
    "checklist.protection_good": ("保护状况优良", "Well protected"),
    "checklist.institutions_sound": ("机构制度健全", "Sound organisation and rules"),
    "checklist.management_standard": ("服务管理规范", "Standard service and management"),
    "checklist.function_effective": ("功能发挥显著", "Serves its purpose well"),
    "work_order_status.reported": ("已上报", "Reported"),
    "work_order_status.triaged": ("已分拣", "Triaged"),
    "work_order_status.assigned": ("已派工", "Assigned"),
    "work_order_status.in_progress": ("处理中", "In progress"),
    "work_order_status.done": ("已完成", "Done"),
    "work_order_status.verified": ("已验收", "Verified"),
    "work_order_status.rejected": ("已驳回", "Rejected"),
    "work_order_status.duplicate": ("重复", "Duplicate"),
    "work_order_kind.repair": ("维修", "Repair"),
    "work_order_kind.cleaning": ("清洁", "Cleaning"),
    "work_order_kind.tribute": ("祭扫", "Tribute"),
    "priority.urgent": ("紧急", "Urgent"),
    "priority.high": ("高", "High"),
    "priority.normal": ("普通", "Normal"),
    "priority.low": ("低", "Low"),
    # public damage reports (issue 7): /report and /reports/{id} (web/public/report_page.py, web/static/report.js)
    "report.title": ("上报损坏", "Report damage"),
    "report.intro": (
        "发现纪念设施、烈士陵园或烈士墓损坏、污损？请在地图上标出位置，选择问题类型并简要说明。"
        "位置、类型和描述将公开显示，联系方式仅工作人员可见。",
        "Seen damage or neglect at a memorial, cemetery or grave? Put a pin on the map, pick a category and say "
        "what is wrong. The pin, category and description are public; your contact is seen by staff only.",
    ),
    "report.other_lang": ("English", "中文"),
    "report.map": ("地图：点击放置标记", "Map: click to drop the pin"),
    "report.position": ("位置({crs})", "Position ({crs})"),
    "report.lat": ("纬度", "Latitude"),
    "report.long": ("经度", "Longitude"),
    "report.locate": ("使用我的位置", "Use my position"),
    "report.locating": ("正在获取您的位置…", "Finding your position…"),
    "report.no_position": (
        "未能获取位置，请在地图上点击或输入经纬度。",
        "Position unknown: click the map or type it.",
    ),
    "report.no_pin": ("请先在地图上标出位置。", "Put the pin on the map first."),
    "report.near_site": ("将转交：{name}(约{distance})", "Goes to: {name} (about {distance})"),
    "report.no_site_near": (
        "标记点附近{distance}内没有纪念设施或烈士墓。",
        "No memorial or grave within {distance} of the pin.",
    ),
    "report.category": ("问题类型", "Category"),
    "report.choose": ("请选择…", "Choose…"),
    "report.description": ("问题描述", "What is wrong"),
    "report.photos": ("照片(可选，最多{n}张)", "Photos (optional, up to {n})"),
    "report.contact": ("联系方式(可选，仅工作人员可见)", "Contact (optional, seen by staff only)"),
    "report.first_name": ("名", "First name"),
    "report.last_name": ("姓", "Last name"),
    "report.email": ("电子邮箱", "E-mail"),
    "report.phone": ("电话", "Phone"),
    "report.submit": ("提交", "Send report"),
    "report.sending": ("正在提交…", "Sending…"),
    "report.sent": ("已收到，编号 {id}。", "Received: reference number {id}."),
    "report.follow": ("查看处理进度", "Follow its progress"),
    "report.refused": ("未被接受：{reason}", "Not accepted: {reason}"),
    "report.too_many": ("提交过于频繁，请稍后再试。", "Too many reports at once: please try again later."),
    "report.offline": (
        "无法连接服务器，请稍后再试。",
        "The server cannot be reached: please try again later.",
    ),
    "report.status_title": ("损坏上报 {id}", "Damage report {id}"),
    "report.reference": ("编号", "Reference"),
    "report.status": ("状态", "Status"),
    "report.status.open": ("处理中", "Open"),
    "report.status.closed": ("已结束", "Closed"),
    "report.stage": ("进度", "Stage"),
    "report.notes": ("处理说明", "Notes from the bureau"),
    "report.no_notes": ("暂无说明。", "No notes yet."),
    "report.site": ("所在地点", "Site"),
    "report.requested": ("上报时间", "Reported"),
    "report.updated": ("更新时间", "Updated"),
    "report.new": ("再报一处", "Report another"),
    "report.not_found": ("未找到", "Not found"),
    # basemaps (issue 7): web/basemaps.py
    "basemap.osm": ("OpenStreetMap 底图", "OpenStreetMap"),
    "basemap.tianditu": ("天地图", "Tianditu"),
    "basemap.amap": ("高德地图", "AMap"),
    "basemap.none": ("无底图(仅行政区划)", "No basemap (boundaries only)"),
    "basemap.labels": ("注记", "labels"),
    "basemap.offline": (
        "底图无法加载：仅显示本系统数据。",
        "The basemap cannot be loaded: our own data only.",
    ),
    # the language switch on every page (api/preferences.py): the name of the other language, in that language
    "lang.other": ("English", "中文"),
    # online tribute (issue 7): web/public/tribute_widget.py and web/static/tribute.js
    "tribute.title": ("云祭扫", "Online tribute"),
    "tribute.count.flower": ("献花", "Flowers"),
    "tribute.count.candle": ("点烛", "Candles"),
    "tribute.count.message": ("留言", "Messages"),
    "tribute.give.flower": ("献一束花", "Lay flowers"),
    "tribute.give.candle": ("点一支烛", "Light a candle"),
    "tribute.message": ("寄语", "Your message"),
    "tribute.author": ("署名(可不填)", "Your name (optional)"),
    "tribute.send": ("发送留言", "Send message"),
    "tribute.moderated": (
        "留言经审核后显示；请勿填写网址。",
        "Messages appear after moderation; no web addresses.",
    ),
    "tribute.messages": ("留言", "Messages"),
    "tribute.no_messages": ("暂无留言。", "No messages yet."),
    "tribute.anonymous": ("匿名", "Anonymous"),
    "tribute.thanks": ("谢谢您的缅怀。", "Thank you for your tribute."),
    "tribute.pending": ("留言已收到，审核后显示。", "Your message is received; it appears after moderation."),
    "tribute.too_many": ("提交过于频繁，请稍后再试。", "Too many tributes at once: please try again later."),
    "tribute.refused": ("未被接受：", "Not accepted:"),
    "tribute.offline": (
        "无法连接服务器，请稍后再试。",
        "The server cannot be reached: please try again later.",
    ),
    "tribute.empty_message": ("请先写下留言。", "Please write a message first."),
    "tribute.sending": ("正在发送…", "Sending…"),
    # public pages (issue 7): web/public_*.py and web/static/public.js
    "public.brand": ("英烈纪念地图 VetMap", "VetMap memorials and martyrs"),
    "public.nav.sites": ("查找纪念设施", "Find a memorial"),
    "public.nav.martyrs": ("英名录", "Roll of martyrs"),
    "public.nav.family": ("寻亲", "Family search"),
    "public.other_lang": ("English", "中文"),
    "public.footer": (
        "退役军人事务部门烈士纪念设施信息；演示数据为虚构。",
        "Martyr memorial information of the veterans affairs bureau; demo data is fictitious.",
    ),
    "public.synthetic": ("演示数据(虚构)", "Demo data (fictitious)"),
    "public.map": ("地图", "Map"),
    "public.any": ("全部", "Any"),
    "public.search": ("搜索", "Search"),
    "public.near_me": ("我附近的", "Near me"),
    "public.near_active": ("按离您的距离排序。", "Ordered by distance from you."),
    "public.locating": ("正在获取您的位置…", "Finding your position…"),
    "public.no_position": ("无法获取您的位置。", "Your position is not available."),
    "public.no_results": ("没有找到符合条件的结果。", "Nothing matches."),
    "public.showing": ("第 {start}–{end} 条，共 {total} 条", "{start}–{end} of {total}"),
    "public.previous": ("上一页", "Previous"),
    "public.next": ("下一页", "Next"),
    "public.not_found": ("未找到", "Not found"),
    "public.cannot_show": ("无法显示", "Cannot be shown"),
    "public.back_to_search": ("返回搜索", "Back to the search"),
    "public.search.title": ("查找纪念设施", "Find a memorial or cemetery"),
    "public.search.q": ("名称、拼音或拼音首字母", "Name, pinyin or pinyin initials"),
    "public.search.placeholder": ("如：东沟、donggou、dgls", "e.g. donggou or dgls"),
    "public.search.hint": (
        "输入名称、拼音或首字母，或选择类型、保护级别、地区，或查找您附近的纪念设施。",
        "Type a name, its pinyin or initials, or choose a type, protection level or area, or look near you.",
    ),
    "public.site.about": ("概况", "About"),
    "public.site.visiting": ("参观信息", "Visiting"),
    "public.site.address": ("地址", "Address"),
    "public.site.no_address": ("暂无地址", "No address yet"),
    "public.site.management_unit": ("管理单位", "Managed by"),
    "public.site.protection_unit": ("保护单位", "Protected by"),
    "public.site.approval": ("批准文件", "Approved by"),
    "public.site.protection_zone_desc": ("保护范围", "Protection range"),
    "public.site.phone": ("电话", "Phone"),
    "public.site.photos": ("照片", "Photos"),
    "public.site.photo": ("照片", "Photo"),
    "public.site.martyrs": ("安葬或镌名于此的烈士", "Martyrs buried or named here"),
    "public.site.no_martyrs": ("暂无烈士名录。", "No martyr records yet."),
    "public.site.more_martyrs": ("显示前 {n} 位，共 {total} 位以上。", "The first {n} of {total} or more."),
    "public.site.boundary": ("陵园范围", "Cemetery boundary"),
    "public.site.protection_zone": ("保护范围", "Protection zone"),
    "public.martyrs.title": ("英名录：查找烈士", "Roll of martyrs: find a martyr"),
    "public.martyrs.q": ("姓名(汉字或拼音)", "Name (Chinese or pinyin)"),
    "public.martyrs.hint": (
        "按姓名、籍贯、部队或牺牲年份查找。",
        "Search by name, hometown, unit or year of death.",
    ),
    "public.martyrs.not_found_family": (
        "没有找到？填写寻亲登记，工作人员会与您联系。",
        "Not found? Leave a family-search request and staff will contact you.",
    ),
    "public.martyr.record": ("烈士信息", "Record"),
    "public.martyr.gender": ("性别", "Gender"),
    "public.martyr.birth_year": ("出生年份", "Year of birth"),
    "public.martyr.death": ("牺牲时间", "Died"),
    "public.martyr.death_year": ("牺牲年份", "Year of death"),
    "public.martyr.place_of_death": ("牺牲地点", "Place of death"),
    "public.martyr.hometown": ("籍贯", "Hometown"),
    "public.martyr.unit": ("生前部队(单位)", "Unit"),
    "public.martyr.relatives_found": ("已找到亲属", "Relatives found"),
    "public.martyr.biography": ("生平", "Life"),
    "public.martyr.named_on": ("英名镌刻于：", "Named on:"),
    "public.martyr.family_search": ("为这位烈士寻亲", "Search for this martyr's family"),
    "public.gender.male": ("男", "Male"),
    "public.gender.female": ("女", "Female"),
    "public.burial.title": ("安葬地", "Burial place"),
    "public.burial.grave": ("安葬于烈士墓。", "Buried in a martyr's grave."),
    "public.burial.cemetery": (
        "安葬于烈士陵园，墓位不详。",
        "Buried in a martyr cemetery; the grave's position is not known.",
    ),
    "public.burial.named_on_wall": (
        "英名镌刻于纪念设施；安葬地不详。",
        "Named on a memorial; the burial place is unknown.",
    ),
    "public.burial.unknown": ("安葬地不详(下落不明)。", "The burial place is unknown."),
    "public.burial.unknown_short": ("安葬地不详", "Burial place unknown"),
    "public.burial.position_unknown": ("墓位不详", "Position not known"),
    "public.burial.kind": ("墓葬类型", "Grave"),
    "public.burial.memorial": ("纪念设施", "Memorial"),
    "public.burial.note": ("说明", "Note"),
    "public.burial.here": ("安葬地", "Burial place"),
    "public.burial.site_page": ("查看安葬地页面", "Open the page of the burial place"),
    "public.pos.section": ("{v}区", "Section {v}"),
    "public.pos.row": ("{v}排", "row {v}"),
    "public.pos.number": ("{v}号", "no. {v}"),
    "public.family.title": ("寻亲登记", "Family search request"),
    "public.family.intro": (
        "如果您在寻找烈士亲人的安葬地，或您是烈士的亲属，请留下您知道的信息和联系方式，工作人员会与您联系。",
        "If you are looking for where a relative who fell is buried, or you are a martyr's relative, leave what "
        "you know and how to reach you; staff will contact you.",
    ),
    "public.family.privacy": (
        "您的联系方式只供工作人员联系您，不会公开。",
        "Your contact details are seen only by the staff who answer you; they are never published.",
    ),
    "public.family.about_record": ("关于烈士：", "About the record of"),
    "public.family.about_martyr": ("烈士信息", "About the martyr"),
    "public.family.martyr_name": ("烈士姓名", "Martyr's name"),
    "public.family.details": ("其他情况(您知道的经历、线索)", "Anything else you know"),
    "public.family.about_you": ("您的信息", "About you"),
    "public.family.your_name": ("您的姓名", "Your name"),
    "public.family.relation": ("与烈士关系", "Relation to the martyr"),
    "public.family.phone": ("电话", "Phone"),
    "public.family.email": ("电子邮箱", "E-mail"),
    "public.family.contact_hint": (
        "电话和电子邮箱至少填写一项。",
        "Give a phone number, an e-mail address or both.",
    ),
    "public.family.submit": ("提交登记", "Send the request"),
    "public.sending": ("正在提交…", "Sending…"),
    "public.sent": (
        "已收到您的登记，编号 {reference}。请保留此编号，工作人员会与您联系。",
        "Your request is received: reference {reference}. Keep it; staff will contact you.",
    ),
    "public.refused": ("未被接受：", "Not accepted:"),
    "public.too_many": ("提交过于频繁，请稍后再试。", "Too many requests at once: please try again later."),
    "public.offline": (
        "无法连接服务器，请稍后再试。",
        "The server cannot be reached: please try again later.",
    ),
    "public.need_contact": ("请填写电话或电子邮箱。", "Please give a phone number or an e-mail address."),
    "public.required": ("请填写：", "Please fill in:"),
    # reasons of domain errors (geo/errors.py ``key``), filled with the error's parameters (error_text)
    "error.photo.empty": (
        "文件是空的：请发送 JPEG、PNG 或 WebP 格式的照片",
        "the file is empty: send a JPEG, PNG or WebP photo",
    ),
    "error.photo.too_many_bytes": (
        "照片有 {size} 字节（{size_text}），超过上限 {limit} 字节（{limit_text}）",
        "the photo is {size} bytes ({size_text}), over the limit of {limit} bytes ({limit_text})",
    ),
    "error.photo.impossible_size": (
        "图片声明的尺寸 {width} × {height} 像素不可能成立",
        "the image claims an impossible size of {width} x {height} pixels",
    ),
    "error.photo.too_many_pixels": (
        "图片为 {width} × {height} = {pixels} 像素，超过上限 {limit} 像素",
        "the image has {width} x {height} = {pixels} pixels, over the limit of {limit} pixels",
    ),
    "error.photo.pixels_over": (
        "图片的像素数超过上限 {limit} 像素",
        "the image has more pixels than the limit of {limit} pixels",
    ),
    "error.photo.too_big_to_decode": (
        "图片为 {width} × {height} 像素，解码需要 {need_mib} MiB 内存，超过上限 {limit_mib} MiB：请缩小后再上传，"
        "或改用 JPEG 格式",
        "the image is {width} x {height} pixels: decoding it takes {need_mib} MiB of memory, over the limit of "
        "{limit_mib} MiB; send it smaller, or as a JPEG",
    ),
    "error.photo.other_format": (
        "文件是 {found} 图片；照片须为 JPEG、PNG 或 WebP 格式（按文件内容判断，不看文件名）",
        "the file is a {found} image; a photo must be JPEG, PNG or WebP (judged by its content, not its name)",
    ),
    "error.photo.not_an_image": (
        "文件不是可识别的图片；照片须为 JPEG、PNG 或 WebP 格式（按文件内容判断，不看文件名）",
        "the file is not an image Pillow can read; a photo must be JPEG, PNG or WebP (judged by its content, "
        "not its name)",
    ),
    "error.photo.damaged": (
        "图片已损坏或不完整：请重新发送相机保存的原图",
        "the image is damaged or truncated: send the photo again, as the camera saved it",
    ),
    "error.photo.busy": (
        "服务器正在处理其他照片，请 {seconds} 秒后再试",
        "the server is decoding other photos: try again in {seconds} seconds",
    ),
    "error.report.photo": ("第 {index} 张照片：{reason}", "photo {index}: {reason}"),
    "error.report.too_many_photos": (
        "共 {count} 张照片：每份报告最多 {limit} 张",
        "{count} photos: a report takes at most {limit}",
    ),
    "error.report.photos_too_large": (
        "照片合计 {size} 字节（{size_text}），超过每份报告的上限 {limit} 字节（{limit_text}）",
        "the photos have {size} bytes ({size_text}) together, over the limit of {limit} bytes ({limit_text}) "
        "per report",
    ),
    "error.report.no_site": (
        "标记点（{lon}, {lat}）{radius} 米内没有纪念设施、烈士陵园或烈士墓：请把标记放在需要维护的地点",
        "no memorial, cemetery or grave lies within {radius} m of ({lon}, {lat}): put the pin at the site that "
        "needs care",
    ),
    "error.report.unreadable_form": (
        "请求内容不是可读取的表单：请以 application/x-www-form-urlencoded 或 multipart/form-data 发送",
        "the body is not a readable form: send application/x-www-form-urlencoded or multipart/form-data",
    ),
    "error.archive.not_zip": ("{name} 不是有效的 zip 文件", "{name} is not a valid zip file"),
    "error.archive.too_many_members": (
        "压缩包内有 {count} 个文件，超过上限 {limit} 个",
        "the zip holds {count} files, more than {limit}",
    ),
    "error.archive.too_large": (
        "压缩包内的文件解压后至少 {size_text}（含 {member}），超过上限 {limit_text}",
        "the zip's files take {size_text} or more once unzipped ({member} among them), over the limit of "
        "{limit_text}",
    ),
    "error.archive.ratio": (
        "压缩包内的 {member} 从 {compressed_text} 解压为 {size_text}，压缩比 {ratio}:1，超过上限 {limit}:1："
        "这是压缩炸弹，不是数据",
        "{member} in the zip inflates {ratio} times ({compressed_text} to {size_text}), more than {limit} times: "
        "a zip bomb, not data",
    ),
    "error.archive.written_over": (
        "压缩包内的 {member} 解压后比目录声明的大，超过上限 {limit_text}",
        "{member} in the zip unzips to more than its directory declares, past the limit of {limit_text}",
    ),
    "error.archive.unsafe_name": (
        "压缩包内的文件名 {member} 指向压缩包之外",
        "the zip holds a file named {member}, which points outside the archive",
    ),
    "error.archive.encrypted": (
        "压缩包内的 {member} 有密码保护：请发送未加密的文件",
        "{member} in the zip is encrypted: send it without a password",
    ),
    "error.archive.damaged": (
        "压缩包内的 {member} 已损坏，无法解压",
        "{member} in the zip is damaged and cannot be unzipped",
    ),
    "error.archive.no_shapefile": (
        "压缩包内没有 Shapefile（.shp 及其 .shx、.dbf）",
        "the zip holds no Shapefile (.shp with its .shx and .dbf)",
    ),
    "error.archive.several_folders": (
        "压缩包内有多个文件夹含 Shapefile（{folders}）：请只压缩其中一个文件夹",
        "the zip holds Shapefiles in several folders ({folders}): zip one folder's",
    ),
    "error.report.busy": (
        "正在处理的带照片的报告太多，请 {seconds} 秒后再试",
        "too many reports with photos are being handled: try again in {seconds} seconds",
    ),
    # what a refusal of the database says about the input (geo/kit/db_refusals.py): never its own text
    "error.db.duplicate": ("已有 {field} 为 {value} 的记录", "a record with {field} {value} exists already"),
    "error.db.duplicate_record": ("该记录已存在", "the record exists already"),
    "error.db.still_referenced": (
        "该记录仍被 {table} 中的记录引用，不能删除或更改",
        "the record is still referenced by {table}",
    ),
    "error.db.no_such_record": ("{field} 为 {value} 的记录不存在", "{field} {value} names no record"),
    "error.db.missing_reference": ("引用的记录不存在", "the record refers to one that does not exist"),
    "error.db.required": ("缺少必填项 {field}", "{field} is required"),
    "error.db.rule": ("取值不符合规则 {rule}", "a value breaks the rule {rule}"),
    "error.db.out_of_range": (
        "数字超出该字段允许的范围（编号最大为 {bigint}，数量最大为 {integer}）",
        "a number is out of the range its field allows (ids up to {bigint}, counts up to {integer})",
    ),
    "error.db.too_long": ("文字超过该字段允许的长度", "a text is longer than its field allows"),
    "error.db.bad_value": ("某个值不符合该字段的格式", "a value is not of the kind its field takes"),
    "error.db.refused": ("数据库拒绝了请求中的某个值", "the database refused a value of the request"),
    "error.import.refused": (
        "数据库拒绝了这些行，未写入任何内容：{reason}",
        "the database refused the rows, nothing was written: {reason}",
    ),
    # a file that cannot be read: what is wrong with it, never the reader library's text or a server path
    "error.file.not_xlsx": (
        "{name} 无法作为 Excel 工作簿（.xlsx）读取：文件已损坏，或不是 .xlsx 工作簿",
        "{name} cannot be read as an Excel workbook (.xlsx): it is damaged or not an .xlsx workbook",
    ),
    "error.file.not_format": (
        "{name} 无法作为 {format} 文件读取：文件已损坏，或是其他格式",
        "{name} cannot be read as a {format} file: it is damaged or of another format",
    ),
    "error.file.unreadable": (
        "{name} 的记录无法读取：文件已损坏或不完整",
        "the records of {name} cannot be read: the file is damaged or incomplete",
    ),
    "error.file.not_osm": (
        "{name} 无法作为 OSM 文件读取：文件已损坏，或不是 .osm.pbf / .osm 文件",
        "{name} cannot be read as an OSM file: it is damaged or not an .osm.pbf or .osm file",
    ),
    "error.upload.not_a_form": (
        "请求内容不是可读取的 multipart/form-data 表单：请以表单发送文件及其字段",
        "the body is not a readable multipart form: send the file and its fields as multipart/form-data",
    ),
}


def _merge(catalogue: dict[str, tuple[str, str]], *parts: dict[str, tuple[str, str]]) -> None:
    for part in parts:
        twice = sorted(set(part) & set(catalogue))
        if twice:
            raise ValueError(f"message keys defined twice: {', '.join(twice)}")
        catalogue.update(part)


_merge(
    _CATALOGUE,
    accounts.MESSAGES,
    atlas.MESSAGES,
    campaigns.MESSAGES,
    coverage.MESSAGES,
    crew_map.MESSAGES,
    crew_offline.MESSAGES,
    crew_work.MESSAGES,
    directions.MESSAGES,
    family.MESSAGES,
    import_values.MESSAGES,
    imports.MESSAGES,
    inspections.MESSAGES,
    moderation.MESSAGES,
    ogc.MESSAGES,
    ogc_html.MESSAGES,
    proxy_tribute.MESSAGES,
    public.MESSAGES,
    public_sites.MESSAGES,
    reports.MESSAGES,
    sites.MESSAGES,
    siting.MESSAGES,
    travel.MESSAGES,
    validation.MESSAGES,
    work_orders.MESSAGES,
)


CHOOSE_PATH = "/choose"
"""The path that remembers a choice in a cookie and goes on to a page (api/preferences.py)."""


def choose_url(next_url: str, **choices: str) -> str:
    """The link that remembers ``choices`` (``lang=``, ``basemap=``) and then opens ``next_url``."""
    return f"{CHOOSE_PATH}?{urlencode({**choices, 'next': next_url})}"


LANG_COOKIE = "lang"
"""The cookie that remembers the visitor's language (set when a page is opened with ``?lang=``)."""


def choose_lang(requested: str | None, remembered: str | None, default: str = DEFAULT_LANG) -> str:
    """The language of a page: ``?lang=`` if known, else the ``lang`` cookie if known, else the default."""
    for lang in (requested, remembered, default):
        if lang in LANGS:
            return lang
    return DEFAULT_LANG


def check_lang(lang: str) -> str:
    """Return `lang` if the catalogue has it, else raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


def html_lang(lang: str) -> str:
    """Return the BCP 47 tag for the <html lang> attribute of a page in `lang`."""
    return {"zh": "zh-CN", "en": "en"}[check_lang(lang)]


def t(key: str, lang: str = DEFAULT_LANG, default: str | None = None) -> str:
    """Return the label for `key` in `lang`, else `default`, else the key itself."""
    index = LANGS.index(check_lang(lang))
    entry = _CATALOGUE.get(key)
    if entry is None:
        return key if default is None else default
    return entry[index]


def enum_label(group: str, value: object, lang: str = DEFAULT_LANG) -> str:
    """Return the label of enumerated `value` in `group` (e.g. "upkeep_status"), else the value as text."""
    text = str(value)
    return t(f"{group}.{text}", lang, default=text)


def distance_text(metres: float | None, lang: str = DEFAULT_LANG, exact: bool = False) -> str:
    """A distance in metres as every page writes it in ``lang`` ("850米", "1.2 km"); "" for None."""
    if metres is None:
        return ""
    # whole metres below 1 km, else km to a tenth; exact (a threshold, or a distance held against one) keeps a
    # tenth of a metre below 1 km and whole metres above. Trailing zeros are dropped: "3公里", not "3.000公里".
    m_digits, km_digits = (1, 3) if exact else (0, 1)
    shown = round(metres, m_digits)
    if shown < 1000:
        return t("distance.m", lang).format(n=_trimmed(shown, m_digits))
    return t("distance.km", lang).format(n=_trimmed(metres / 1000, km_digits))


def _trimmed(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def error_text(exc: DomainError, lang: str = DEFAULT_LANG) -> str:
    """The reason of a domain error in ``lang``: its catalogue entry (``error.<key>``) filled with its parameters
    (a parameter that is itself a domain error is written in ``lang`` too), else its English message."""
    entry = _CATALOGUE.get(f"error.{exc.key}") if exc.key else None
    if entry is None:
        return exc.message
    params = {
        name: error_text(value, lang) if isinstance(value, DomainError) else value
        for name, value in exc.params.items()
    }
    try:
        return entry[LANGS.index(check_lang(lang))].format(**params)
    except (
        KeyError,
        IndexError,
        ValueError,
    ):  # an entry and its parameters that do not match: say it in English
        return exc.message


def keys() -> frozenset[str]:
    """Return every key the catalogue knows."""
    return frozenset(_CATALOGUE)
