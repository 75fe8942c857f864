"""Labels of the staff coverage pages (key -> (zh, en)), merged into web/i18n.py's catalogue.

The coverage map ``/coverage``: the two measures of "not covered" defined in words, the table of villages and
townships beyond reach, and the recomputation of an area's coverage from the page.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # the two meanings of "not covered", defined on the page
    "coverage.defs.title": ("两种“未覆盖”的含义", "Two meanings of “not covered”"),
    "coverage.defs.beyond_term": ("服务半径外", "Beyond reach"),
    "coverage.defs.beyond": (
        "村(社区){village_reach}内没有运行中的村级服务站，或乡镇(街道){township_reach}内没有运行中的乡镇级服务站"
        "(按直线距离)。地图上红圈标出的村(社区)、下方“服务半径外”表列出的都是这一类。",
        "A village with no active village-level station within {village_reach}, or a township with no active "
        "township-level station within {township_reach} (straight-line distance). The red rings on the map and "
        "the “beyond reach” table below list these.",
    ),
    "coverage.defs.beyond_count": (
        "本区域：{villages}个村(社区)、{townships}个乡镇(街道)。",
        "In this area: {villages} villages and {townships} townships.",
    ),
    "coverage.defs.own_term": ("无本级服务站", "Without a station of its own"),
    "coverage.defs.own": (
        "本单位没有运行中的本级服务站为其服务(按服务站的服务区域，未填时按其所在区划)，与距离无关。"
        "“无本级服务站的单位”表列出的是这一类。",
        "No active station of the unit's own level serves the unit (by the station's served area, else the area "
        "it stands in), whatever the distance. The table of units without a station lists these.",
    ),
    "coverage.defs.own_count": ("本区域：{n}个单位。", "In this area: {n} units."),
    "coverage.defs.why": (
        "两者数字不同：没有本级站的村可能在邻村服务站的服务半径内；有本级站的村，其中心也可能离站超过服务半径。",
        "The counts differ: a village without a station of its own may lie within reach of a neighbour's "
        "station, and a village with its own station may have its centre farther from it than the radius.",
    ),
    "coverage.error.back": ("打开本人所辖区域的覆盖率地图", "Open the coverage map of my area"),
    # the table of units beyond reach
    "coverage.beyond.title": (
        "服务半径外的村(社区)和乡镇(街道)",
        "Villages and townships beyond reach",
    ),
    "coverage.beyond.intro": (
        "村(社区){village_reach}内没有运行中的村级服务站、乡镇(街道){township_reach}内没有运行中的乡镇级服务站"
        "(直线距离)。地图上的红圈就是这些村(社区)。",
        "Villages with no active village-level station within {village_reach} and townships with no active "
        "township-level station within {township_reach} (straight-line distance); the red rings on the map are "
        "these villages.",
    ),
    "coverage.gaps.intro": (
        "没有运行中的本级服务站为其服务的单位(按服务站的服务区域，未填时按其所在区划)，与距离无关。",
        "Units that no active station of their own level serves (by the station's served area, else the area it "
        "stands in), whatever the distance.",
    ),
    "coverage.beyond.none": (
        "本区域没有服务半径外的村(社区)或乡镇(街道)。",
        "No village or township in this area is beyond reach.",
    ),
    "coverage.beyond.more": (
        "页面只列出前{n}行；下载文件包含全部。",
        "The page lists the first {n} rows; the downloads hold them all.",
    ),
    "coverage.beyond.blank": (
        "距离为空：全区没有该级运行中的服务站。",
        "A blank distance: there is no active station of that level anywhere.",
    ),
    "coverage.sheet.beyond": ("服务半径外", "Beyond reach"),
    "coverage.col.township": ("所属乡镇(街道)", "Township"),
    "coverage.col.distance_km": ("到最近本级站(公里)", "To the nearest station of its level (km)"),
    "coverage.col.radius_km": ("服务半径(公里)", "Radius (km)"),
    # recomputing an area's coverage from the page
    "coverage.recompute.title": ("重新计算", "Recompute"),
    "coverage.recompute.button": ("重新计算本区域覆盖率", "Recompute coverage for this area"),
    "coverage.recompute.button_all": ("重新计算全部地区覆盖率", "Recompute coverage for the whole atlas"),
    "coverage.recompute.hint": (
        "按当前运行中的服务站，重新计算{area}内每个村(社区)和乡镇(街道)到最近服务站的距离。",
        "Measures again, from the active stations as they are now, how far each village and township in "
        "{area} is from its nearest station.",
    ),
    "coverage.recompute.started": ("已开始重新计算……", "Recomputation started…"),
    "coverage.recompute.progress": ("正在重新计算：{phase}({pct}%)", "Recomputing: {phase} ({pct}%)"),
    "coverage.recompute.done": ("计算完成，正在刷新数字……", "Finished; refreshing the figures…"),
    "coverage.recompute.failed": (
        "重新计算没有完成，数字未改变。请稍后再试。",
        "The recomputation did not finish; the figures are unchanged. Please try again later.",
    ),
    "coverage.recompute.network": (
        "无法连接服务器，请检查网络后再试。",
        "The server could not be reached; check the connection and try again.",
    ),
    "coverage.recompute.session": (
        "登录已失效，请重新登录后再试。",
        "Your sign-in has expired; sign in again and retry.",
    ),
    "coverage.recompute.refused": (
        "你的账号无权重新计算{area}的覆盖率：只有负责该区域(或其上级区域)的规划人员和管理员可以。",
        "Your account may not recompute coverage for {area}: only planners and administrators responsible for "
        "it (or for an area that contains it) may.",
    ),
    "coverage.recompute.sign_in": (
        "登录后可重新计算本区域的覆盖率。",
        "Sign in to recompute coverage for this area.",
    ),
    "coverage.recompute.sign_in_link": ("登录", "Sign in"),
    "coverage.recompute.finished": (
        "已按第{run}次计算({time})刷新：{villages}个村(社区)、{townships}个乡镇(街道)的最近服务站有变化。",
        "Refreshed by coverage run {run} ({time}): the nearest station changed for {villages} villages and "
        "{townships} townships.",
    ),
    "coverage.recompute.finished_all": (
        "已按第{run}次计算({time})刷新全部地区的数字。",
        "Figures of the whole atlas refreshed by coverage run {run} ({time}).",
    ),
    "coverage.recompute.phase.queued": ("排队中", "queued"),
    "coverage.recompute.phase.reading": ("读取服务站和区划", "reading stations and areas"),
    "coverage.recompute.phase.indexing stations": ("建立服务站索引", "indexing the stations"),
    "coverage.recompute.phase.nearest stations of villages": (
        "计算各村(社区)最近的服务站",
        "finding each village's nearest station",
    ),
    "coverage.recompute.phase.nearest stations of townships": (
        "计算各乡镇(街道)最近的服务站",
        "finding each township's nearest station",
    ),
    "coverage.recompute.phase.writing": ("保存结果", "saving the results"),
    "coverage.recompute.phase.done": ("完成", "done"),
    # refusals of a coverage run (geo/coverage/runs.py, api/routes/coverage/rates.py)
    "error.coverage.run_busy": (
        "另一次覆盖率计算正在进行，请等它完成后再试。",
        "Another coverage run is in progress; try again when it has finished.",
    ),
    "error.coverage.run_outside": (
        "{user}只能在{mine}内重新计算覆盖率，{area}不在其中。",
        "{user} may recompute coverage only in {mine}; {area} is not in it.",
    ),
    "error.coverage.run_thresholds": (
        "按区域重新计算沿用当前的服务半径(村级{village_m}米、乡镇级{township_m}米)；要改服务半径，请重新计算全部地区。",
        "A run for one area keeps the current radii (village {village_m} m, township {township_m} m); to change "
        "them, recompute the whole atlas.",
    ),
    "error.coverage.run_area_unknown": ("没有代码为{area}的区划。", "There is no area with code {area}."),
}
