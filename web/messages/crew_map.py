"""The catalogue's entries of the crews' task map and navigation (issue 21): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "crew_map.title": ("任务地图", "Task map"),
    "crew_map.map_label": (
        "任务地图：辖区边界、地点和我的位置",
        "Task map: the area's boundaries, its sites and my position",
    ),
    "crew_map.loading": ("正在加载地图数据…", "Loading the map data…"),
    "crew_map.loaded": ("{n} 处地点，其中 {tasks} 处有我的任务。", "{n} sites, {tasks} with a task of mine."),
    "crew_map.truncated": (
        "地点太多，只显示 {n} 处（共 {total} 处）。",
        "Too many sites: {n} of {total} shown.",
    ),
    "crew_map.load_failed": (
        "无法加载地图数据：没有网络，本机也没有保存过。",
        "The map data could not be loaded: no signal, and none kept on this phone.",
    ),
    "crew_map.sign_in_again": (
        "登录已过期，请重新登录后再打开地图。",
        "Signed out: sign in again to open the map.",
    ),
    "crew_map.locate": ("定位我", "Locate me"),
    "crew_map.located": ("已定位，精度约 {acc} 米。", "Located, within {acc} m."),
    "crew_map.denied": (
        "未获准使用位置：请在浏览器设置中允许本网站获取位置。",
        "Position not allowed: allow this site to use your position in the browser's settings.",
    ),
    "crew_map.unavailable": (
        "暂时无法获取位置，请到开阔处重试。",
        "Your position is not available; try again in the open.",
    ),
    "crew_map.timeout": ("获取位置超时，请重试。", "Finding your position took too long; try again."),
    "crew_map.no_geolocation": ("此浏览器不能提供位置。", "This browser cannot give your position."),
    "crew_map.you": ("我的位置", "My position"),
    "crew_map.open_site": ("打开地点页面", "Open the site's page"),
    "crew_map.no_task": ("暂无任务", "No task here"),
    "crew_map.inspection": ("巡查：{state}", "Inspection: {state}"),
    "crew_map.order": ("工单：{title}（{status}）", "Work order: {title} ({status})"),
    "crew_map.condition": ("维护状况：{status}", "Upkeep: {status}"),
    "crew_map.distance": ("距我 {d}", "{d} from me"),
    "crew_map.legend": ("图例", "Legend"),
    "crew_map.legend.order": ("我的工单", "My work order"),
    "crew_map.legend.inspection": ("待巡查", "Inspection due"),
    "crew_map.legend.other": ("无任务的地点", "Site with no task"),
    "crew_map.legend.you": ("我的位置", "My position"),
    "crew_map.legend.area": ("辖区边界", "Area boundary"),
    "crew_map.no_map": (
        "地图需要 JavaScript；任务列表无需地图。",
        "The map needs JavaScript; the task list does not.",
    ),
}
