"""Labels of the staff siting pages (key -> (zh, en)), merged into web/i18n.py's catalogue."""

MESSAGES: dict[str, tuple[str, str]] = {
    "siting.title": ("选址", "Siting"),
    "siting.lead": (
        "为新服务站选址：选定区域和问题，计算后在地图和表格中查看选中的站点及新增覆盖。",
        "Site new service stations: choose the area and the question, run it, and see the chosen sites and what "
        "they newly cover on the map and in the table.",
    ),
    "siting.form.heading": ("计算条件", "What to solve"),
    "siting.form.area": ("区域", "Area"),
    "siting.form.area_hint": (
        "填写区划代码（如 450329）；留空为全部地区",
        "An area code (e.g. 450329); empty: the whole atlas",
    ),
    "siting.form.area_own": ("本人负责的区域", "The area you are responsible for"),
    "siting.form.problem": ("问题", "Question"),
    "siting.problem.mclp": ("用 p 个新站覆盖最多的人", "Cover the most people with p new stations"),
    "siting.problem.lscp": ("覆盖所有人所需的最少新站", "The fewest new stations that cover everyone"),
    "siting.problem.target_share": (
        "达到目标覆盖率所需的最少新站",
        "The fewest new stations for a target share",
    ),
    "siting.form.p": ("新站数量 p", "Number of new stations p"),
    "siting.form.share": ("目标覆盖率（%）", "Target share (%)"),
    "siting.form.level": ("站点级别", "Station level"),
    "siting.level.village": ("村（社区）级", "Village"),
    "siting.level.township": ("乡镇（街道）级", "Township"),
    "siting.form.radius": ("服务半径（公里）", "Reach (km)"),
    "siting.form.radius_hint": (
        "村级默认 3 公里，乡镇级默认 10 公里（按地面实际距离）",
        "Village stations 3 km, township stations 10 km by default (geodesic distance)",
    ),
    "siting.form.candidates": ("候选点", "Candidate sites"),
    "siting.candidates.villages_without_station": ("尚无本级服务站的村", "Villages without a station"),
    "siting.candidates.all_villages": ("全部村", "All villages"),
    "siting.candidates.given": ("我在地图上点选或上传的点", "Points I click on the map or upload"),
    "siting.form.click_hint": (
        "点击地图添加候选点（WGS-84）；再次点击标记可删除。",
        "Click the map to add a candidate (WGS-84); click a marker again to remove it.",
    ),
    "siting.form.upload": ("上传 CSV 或 GeoJSON 文件", "Upload a CSV or GeoJSON file"),
    "siting.form.upload_hint": (
        "CSV 需有 lon、lat 两列（或 经度、纬度），可选 label（名称）列；GeoJSON 取其中的点。坐标为 WGS-84。",
        "CSV with lon and lat columns (or 经度, 纬度), optionally label (名称); GeoJSON: its points. WGS-84.",
    ),
    "siting.form.given_count": ("已选 {n} 个候选点", "{n} candidate points chosen"),
    "siting.form.point_label": ("候选点 {n}", "Point {n}"),
    "siting.form.given_clear": ("清除候选点", "Clear the points"),
    "siting.form.keep": ("保留已有服务站", "Keep existing stations"),
    "siting.keep.yes": (
        "是：已有服务站覆盖的村不再计入",
        "Yes: villages existing stations cover count as covered",
    ),
    "siting.keep.no": ("否：按尚无服务站重新规划", "No: plan as if there were no station yet"),
    "siting.form.submit": ("开始计算", "Run"),
    "siting.form.sending": ("正在提交……", "Sending…"),
    "siting.form.failed": ("未能提交：{reason}", "Could not start: {reason}"),
    "siting.form.network": (
        "无法连接服务器，请稍后重试",
        "The server could not be reached; try again shortly",
    ),
    "siting.form.errors_heading": ("请先更正以下问题", "Please correct the following"),
    "siting.invalid.p": (
        "新站数量须为 1 以上的整数",
        "The number of new stations must be a whole number of 1 or more",
    ),
    "siting.invalid.share": (
        "目标覆盖率须大于 0、不超过 100",
        "The target share must be above 0 and at most 100",
    ),
    "siting.invalid.radius": (
        "服务半径须大于 0、不超过 {max} 公里",
        "The reach must be above 0 and at most {max} km",
    ),
    "siting.invalid.area": ("区划代码须为 2 到 12 位数字", "An area code is 2 to 12 digits"),
    "siting.invalid.area_outside": (
        "该区域不在您负责的区域内",
        "That area is outside the area you are responsible for",
    ),
    "siting.invalid.given": (
        "请先在地图上点选或上传至少 1 个候选点",
        "Click on the map or upload at least one candidate point first",
    ),
    "siting.invalid.file": (
        "文件中没有可用的点：{reason}",
        "No usable point in the file: {reason}",
    ),
    "siting.invalid.file_columns": (
        "CSV 缺少 lon/lat（经度/纬度）列",
        "the CSV has no lon/lat (经度/纬度) columns",
    ),
    "siting.invalid.file_row": (
        "第 {row} 行的坐标不是有效的 WGS-84 经纬度",
        "row {row} has no valid WGS-84 longitude/latitude",
    ),
    "siting.invalid.file_json": ("不是有效的 GeoJSON", "not valid GeoJSON"),
    "siting.invalid.file_empty": ("文件里没有点", "the file holds no point"),
    "siting.invalid.file_loaded": ("已从文件读入 {n} 个点", "{n} points read from the file"),
    # the run and its answer
    "siting.run.heading": ("第 {id} 次计算", "Run {id}"),
    "siting.run.started": ("开始于 {at}", "started {at}"),
    "siting.run.progress": ("进度", "Progress"),
    "siting.run.running": ("正在计算：{phase}（{pct}%）", "Running: {phase} ({pct}%)"),
    "siting.run.running_answer": (
        "快速解已得出（见下），正在用精确模型求证是否最优……",
        "The quick answer is below; the exact model is checking whether it is the best…",
    ),
    "siting.run.failed": ("计算失败：{reason}", "The run failed: {reason}"),
    "siting.run.failed_generic": (
        "计算意外中止，请重试；若再次失败请联系管理员",
        "The run stopped unexpectedly; try again, and tell an administrator if it fails again",
    ),
    "siting.phase.exact": ("精确模型求解（HiGHS）", "the exact model (HiGHS)"),
    "siting.phase.other": ("准备数据", "preparing the data"),
    "siting.claim.mclp_optimal": (
        "已证明最优：在这些候选点中，没有其他不超过 {p} 个站点的组合能覆盖更多的人。",
        "Proven best: among these candidates no other choice of at most {p} sites covers more people.",
    ),
    "siting.claim.fewest_optimal": (
        "已证明最少：{n} 个新站点，少一个都做不到。",
        "Proven fewest: {n} new sites; one fewer cannot do it.",
    ),
    "siting.claim.none_needed": ("不需要新站点。", "No new station is needed."),
    "siting.claim.heuristic": ("快速解，尚未证明最优。", "A quick answer, not proven best."),
    "siting.claim.time_limit": (
        "时限内找到的最好结果，尚未证明最优。",
        "The best found within the time limit, not proven best.",
    ),
    "siting.fewer": (
        "要求 {p} 个新站，只选出 {n} 个。原因：",
        "{p} new stations were asked for, only {n} chosen. Why:",
    ),
    "siting.why": ("说明：", "Notes:"),
    "siting.reason.few_candidates": (
        "可选候选点只有 {candidates} 个，少于要求的 {p} 个。",
        "Only {candidates} candidate sites are available, fewer than the {p} asked for.",
    ),
    "siting.reason.no_gain": (
        "只有 {useful} 个候选点能新增覆盖：其余 {useless} 个候选点{names}{distance}内的村均已在已有服务站{distance}内。",
        "Only {useful} of the candidate sites would newly cover anyone: within {distance} of the other {useless}{names}, "
        "every village is already within {distance} of an existing station.",
    ),
    "siting.reason.all_reachable_covered": (
        "选出的 {chosen} 个站点已覆盖所有候选点能覆盖到的村，再增加站点也不会多覆盖一个人。",
        "The {chosen} chosen sites already cover every village any candidate can reach: more sites would cover "
        "nobody new.",
    ),
    "siting.reason.uncoverable": (
        "{points} 个村（{people} 人）距离已有服务站和所有候选点都超过{distance}，任何方案都覆盖不到；"
        "可改用“全部村”或自己添加候选点。",
        "{points} villages ({people} people) are farther than {distance} from every existing station and every "
        "candidate: no choice covers them; try all villages as candidates, or add points of your own.",
    ),
    "siting.reason.nothing_needed": (
        "不需要新站点：已有服务站已覆盖{share}。",
        "No new station is needed: existing stations already cover {share}.",
    ),
    "siting.reason.not_proven": (
        "这是快速启发式的结果，尚未证明最优：最优解与它的差距最多为{gap}。",
        "This is the quick heuristic's answer, not proven best: the best answer is at most {gap} better.",
    ),
    "siting.reason.time_limit": (
        "精确求解在时限内未完成：结果与最优解的差距最多为{gap}。",
        "The exact model stopped at its time limit: the answer is within {gap} of the best possible.",
    ),
    "siting.reason.within_gap": (
        "已证明与最优解相差不超过{gap}（按要求的容差）。",
        "Proven within {gap} of the best possible (the requested tolerance).",
    ),
    "siting.figures.requested": ("要求新站", "New stations asked"),
    "siting.figures.chosen": ("选中站点", "Sites chosen"),
    "siting.figures.before": ("计算前覆盖率", "Covered before"),
    "siting.figures.after": ("计算后覆盖率", "Covered after"),
    "siting.figures.newly": ("新增覆盖人口", "People newly covered"),
    "siting.figures.people": ("{people} 人", "{people} people"),
    "siting.figures.candidates": ("候选点", "Candidates"),
    "siting.figures.villages": ("村数", "Villages"),
    "siting.no_sites": ("没有选出站点。", "No site was chosen."),
    "siting.on_coverage": ("在覆盖地图上查看这些站点", "See these sites on the coverage map"),
    # the map
    "siting.map.label": ("选址结果地图", "Map of the siting answer"),
    "siting.map.empty": (
        "开始计算后，结果会显示在这张地图上。",
        "Run a question and its answer is drawn here.",
    ),
    "siting.legend.site": ("选中的新站点", "Chosen new site"),
    "siting.legend.new": ("新增覆盖的村", "Village newly covered"),
    "siting.legend.before": ("已被已有服务站覆盖的村", "Village covered already"),
    "siting.legend.open": ("仍未覆盖的村", "Village still not covered"),
    "siting.legend.unreachable": ("任何候选点都覆盖不到的村", "Village no candidate reaches"),
    "siting.legend.station": ("已有服务站", "Existing station"),
    "siting.legend.candidate": ("未选中的候选点", "Candidate not chosen"),
    "siting.legend.given": ("我添加的候选点", "My candidate point"),
    "siting.tip.site": (
        "新站点 {rank}：{label}，新增覆盖 {people} 人",
        "New site {rank}: {label}, {people} people newly covered",
    ),
    "siting.tip.station": ("已有服务站", "Existing station"),
    # the table
    "siting.table.heading": ("选中的站点", "Chosen sites"),
    "siting.table.caption": ("第 {id} 次计算选中的站点", "Sites chosen by run {id}"),
    "siting.table.title": ("选址结果（第 {id} 次计算）", "Siting answer (run {id})"),
    "siting.col.rank": ("序号", "Rank"),
    "siting.col.label": ("站点", "Site"),
    "siting.col.code": ("区划代码", "Area code"),
    "siting.col.lon": ("经度", "Longitude"),
    "siting.col.lat": ("纬度", "Latitude"),
    "siting.col.people": ("新增覆盖人口", "People newly covered"),
    "siting.col.villages": ("新增覆盖村数", "Villages newly covered"),
    "siting.col.village_names": ("新增覆盖的村", "Villages newly covered (names)"),
    "siting.download.csv": ("下载 CSV", "Download CSV"),
    "siting.download.xlsx": ("下载 Excel", "Download Excel"),
    "siting.about.problem": ("问题", "Question"),
    "siting.about.area": ("区域", "Area"),
    "siting.about.radius": ("服务半径", "Reach"),
    "siting.about.candidates": ("候选点", "Candidates"),
    "siting.about.status": ("结论", "Conclusion"),
    "siting.about.whole_atlas": ("全部地区", "The whole atlas"),
    # past runs
    "siting.past.heading": ("以往的计算", "Past runs"),
    "siting.past.none": ("本区域还没有选址计算。", "No siting run in this area yet."),
    "siting.past.col.run": ("计算", "Run"),
    "siting.past.col.when": ("时间", "When"),
    "siting.past.col.question": ("问题", "Question"),
    "siting.past.col.candidates": ("候选点", "Candidates"),
    "siting.past.col.result": ("结果", "Result"),
    "siting.past.open": ("打开第 {id} 次计算", "Open run {id}"),
    "siting.past.sites": ("{n} 个站点", "{n} chosen"),
    "siting.past.running": ("计算中", "running"),
    "siting.past.failed": ("失败", "failed"),
    "siting.question.mclp": ("p = {p}，覆盖最多的人", "p = {p}, cover the most people"),
    "siting.question.lscp": ("覆盖所有人", "cover everyone"),
    "siting.question.target_share": ("达到 {share}", "reach {share}"),
    "siting.not_yours": (
        "第 {id} 次计算属于 {area}，不在您负责的区域内。",
        "Run {id} belongs to {area}, outside the area you are responsible for.",
    ),
    "siting.no_run": ("没有第 {id} 次计算。", "There is no run {id}."),
    # domain errors of siting (geo/coverage/siting*.py)
    "error.siting.unknown_area": ("没有代码为 {code} 的区域", "no area has the code {code}"),
    "error.siting.no_villages": ("{area} 没有可覆盖的村", "{area} has no villages to cover"),
    "error.siting.no_candidates": (
        "该区域每个村都已有本级服务站，没有“尚无服务站的村”可作候选点：请改选“全部村”或自己添加候选点",
        "every village of the area already has a station of this level, so there are no candidates without "
        "one: choose all villages, or add points of your own",
    ),
    "error.siting.p_required": ("请填写新站数量 p", "give p, the number of new stations"),
    "error.siting.share_required": ("请填写目标覆盖率", "give the target share"),
    "error.siting.sites_required": (
        "请先在地图上点选或上传至少 1 个候选点",
        "click on the map or upload at least one candidate point first",
    ),
    "error.siting.distance_too_far": ("服务半径不能超过 {km} 公里", "the reach must be at most {km} km"),
    "error.siting.full_cover_impossible": (
        "无法覆盖所有人：{points} 个村距离已有服务站和所有候选点都超过 {km} 公里",
        "covering everyone is impossible: {points} villages are farther than {km} km from every station and "
        "candidate",
    ),
    "error.siting.unreachable_share": (
        "目标覆盖率 {share}% 达不到：已有服务站加上全部候选点最多覆盖 {reachable}%",
        "the target share {share}% is unreachable: existing stations and every candidate cover at most "
        "{reachable}%",
    ),
}
