"""Labels of the staff travel pages (key -> (zh, en)), merged into web/i18n.py's catalogue."""

MESSAGES: dict[str, tuple[str, str]] = {
    "travel.title": ("出行时间", "Travel time"),
    "travel.intro": (
        "按道路计算每个村到最近服务站的出行时间（分钟），并画出各服务站在选定分钟内可到达的服务范围。",
        "Minutes by road from each village to its nearest service station, and the area each station reaches "
        "within a chosen number of minutes.",
    ),
    "travel.area": ("范围", "Area"),
    "travel.area.whole": ("全部地区", "the whole atlas"),
    "travel.area.choose": ("查看范围", "Show area"),
    "travel.area.apply": ("切换", "Show"),
    "travel.area.outside": (
        "{code} 不在您的管辖范围 {mine} 内：只能查看和计算本范围内的地区。",
        "{code} is not inside your area {mine}: you may view and run only areas inside it.",
    ),
    "travel.area.unknown": ("没有编码为 {code} 的地区。", "There is no area with code {code}."),
    # road networks
    "travel.networks.title": ("路网", "Road networks"),
    "travel.networks.none": (
        "还没有导入任何路网。",
        "No road network has been imported yet.",
    ),
    "travel.networks.name": ("名称", "Name"),
    "travel.networks.source": ("来源", "Source"),
    "travel.networks.size": ("路段 / 总长", "Edges / length"),
    "travel.networks.crs": ("原坐标系", "Source CRS"),
    "travel.networks.imported": ("导入时间", "Imported"),
    "travel.networks.covers": ("覆盖地区", "Areas it covers"),
    "travel.networks.covers_none": ("不覆盖任何县", "no county"),
    "travel.networks.more": ("等 {n} 个", "and {n} more"),
    "travel.networks.synthetic": ("演示（生成）", "demo (generated)"),
    "travel.networks.edges_km": ("{edges} 段 / {km} 公里", "{edges} edges / {km} km"),
    "travel.networks.deleted": ("已删除的路网", "a deleted road network"),
    "travel.networks.mine": ("覆盖本范围", "covers this area"),
    "travel.no_network.title": ("没有覆盖本范围的路网", "No road network covers this area"),
    "travel.no_network.text": (
        "{area} 内没有任何已导入路网的道路，因此无法计算出行时间。",
        "None of the imported road networks has a road in {area}, so travel times cannot be computed.",
    ),
    "travel.no_network.do_import": (
        "怎么办：在下方“导入路网”中上传覆盖 {area} 的道路文件（如 OpenStreetMap 的 .osm.pbf 或 GeoPackage），"
        "然后开始计算。",
        "What to do: upload a road file covering {area} under “Import a road network” below (an OpenStreetMap "
        ".osm.pbf or a GeoPackage, for example), then start a run.",
    ),
    "travel.no_network.ask": (
        "怎么办：路网属于全部地区，请负责全部地区的规划人员或管理员导入覆盖 {area} 的道路文件"
        "（如 OpenStreetMap 的 .osm.pbf 或 GeoPackage），然后回到本页开始计算。",
        "What to do: road networks belong to the whole atlas; ask a planner or administrator of the whole atlas "
        "to import a road file covering {area} (an OpenStreetMap .osm.pbf or a GeoPackage, for example), then "
        "come back here and start a run.",
    ),
    # import
    "travel.import.title": ("导入路网", "Import a road network"),
    "travel.import.file": ("道路文件", "Road file"),
    "travel.import.file_hint": (
        "GeoPackage、GeoJSON、压缩的 Shapefile（.zip）、FlatGeobuf 或 OpenStreetMap（.osm.pbf / .osm），最大 {mib} MiB。",
        "GeoPackage, GeoJSON, zipped Shapefile (.zip), FlatGeobuf or OpenStreetMap (.osm.pbf / .osm), "
        "at most {mib} MiB.",
    ),
    "travel.import.choose": ("选择文件", "Choose a file"),
    "travel.import.none_chosen": ("未选择文件", "No file chosen"),
    "travel.import.name": ("路网名称", "Network name"),
    "travel.import.name_hint": ("留空则使用文件名。", "Leave empty to use the file name."),
    "travel.import.crs": ("文件的坐标系", "The file's coordinate system"),
    "travel.import.crs.file": (
        "按文件自带（无则视为 WGS84）",
        "As the file declares (WGS84 if it declares none)",
    ),
    "travel.import.crs.WGS84": ("WGS84（GPS、OpenStreetMap）", "WGS84 (GPS, OpenStreetMap)"),
    "travel.import.crs.CGCS2000": ("CGCS2000（国家大地坐标系）", "CGCS2000 (China Geodetic 2000)"),
    "travel.import.crs.GCJ02": ("GCJ-02（高德、腾讯地图）", "GCJ-02 (AMap, Tencent maps)"),
    "travel.import.crs.BD09": ("BD-09（百度地图）", "BD-09 (Baidu maps)"),
    "travel.import.crs.EPSG": ("其他 EPSG 编码…", "Another EPSG code…"),
    "travel.import.epsg": ("EPSG 编码", "EPSG code"),
    "travel.import.epsg_hint": (
        "例如 4547（CGCS2000 / 3 度带 114°E 投影）。",
        "For example 4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E).",
    ),
    "travel.import.submit": ("上传并导入", "Upload and import"),
    "travel.import.uploading": ("正在上传：{pct}%", "Uploading: {pct}%"),
    "travel.import.processing": (
        "已上传，正在读取道路并建立路网……",
        "Uploaded; reading the roads and building the network…",
    ),
    "travel.import.done": (
        "已导入路网“{name}”：{edges} 个路段，共 {km} 公里。",
        "Imported the road network “{name}”: {edges} edges, {km} km in all.",
    ),
    "travel.import.no_file": ("请选择要上传的道路文件。", "Choose the road file to upload."),
    "travel.import.too_big": (
        "文件有 {size} MiB，超过上限 {mib} MiB。",
        "The file is {size} MiB, over the limit of {mib} MiB.",
    ),
    "travel.import.bad_epsg": (
        "EPSG 编码是 4 到 6 位数字，例如 4547。",
        "An EPSG code is 4 to 6 digits, for example 4547.",
    ),
    "travel.import.failed": (
        "上传没有完成（网络中断或服务器无响应），请重试。",
        "The upload did not complete (the connection dropped or the server did not answer); try again.",
    ),
    "travel.import.whole_atlas": (
        "路网属于全部地区，由全部地区的规划人员或管理员导入。",
        "Road networks belong to the whole atlas; a planner or administrator of the whole atlas imports them.",
    ),
    # run
    "travel.run.title": ("计算出行时间", "Run travel time"),
    "travel.run.network": ("路网", "Road network"),
    "travel.run.limits": ("服务范围（分钟）", "Service areas (minutes)"),
    "travel.run.limits_hint": (
        "为每个服务站画出这些分钟内可到达的范围。",
        "Each station's service area is drawn for these minutes.",
    ),
    "travel.run.submit": ("开始计算 {area}", "Run for {area}"),
    "travel.run.starting": ("正在开始……", "Starting…"),
    "travel.run.progress": ("计算中：{phase}（{pct}%）", "Running: {phase} ({pct}%)"),
    "travel.run.done": ("计算完成，正在显示结果……", "Done; showing the results…"),
    "travel.run.failed": ("计算失败：{reason}", "The run failed: {reason}"),
    "travel.run.lost": (
        "无法读取计算进度（网络中断？），请刷新页面查看。",
        "The run's progress could not be read (connection lost?); reload the page to see it.",
    ),
    "travel.run.no_limits": ("请至少选择一个分钟数。", "Choose at least one number of minutes."),
    "travel.run.last": (
        "最近一次计算：{when}，路网“{network}”，计算范围 {area}。",
        "Last run: {when}, road network “{network}”, for {area}.",
    ),
    "travel.run.never": (
        "本范围还没有计算过出行时间：选择路网后点击“开始计算”。",
        "Travel time has not been run for this area yet: choose a road network and start a run.",
    ),
    "travel.run.missing": (
        "有 {n} 个村没有出行时间（服务站有变动，或上次计算不包括它们）：请重新计算。",
        "{n} villages have no travel time (stations changed since, or the last run did not include them): "
        "run again.",
    ),
    "travel.run.busy": (
        "另一项出行时间计算正在进行：请等它完成后再开始。",
        "Another travel run is in progress: wait for it to finish, then start again.",
    ),
    "travel.fail.coverage_busy": (
        "覆盖计算正在进行，请稍后再开始",
        "a coverage run is in progress; start again when it is done",
    ),
    "travel.fail.coverage_full": (
        "覆盖表需要先完整计算一次（请在“覆盖”页重新计算）",
        "the coverage tables need a full run first (recompute on the Coverage page)",
    ),
    "travel.fail.abandoned": (
        "运行它的服务器进程已停止，请重新开始",
        "the server process running it stopped; start it again",
    ),
    "travel.fail.timeout": ("运行超时", "it ran out of time"),
    "travel.fail.unexpected": (
        "服务器上发生意外错误（详情见服务器日志）",
        "an unexpected error on the server (its log has the details)",
    ),
    "travel.fail.other": ("服务器拒绝了这次计算", "the server refused the run"),
    "travel.phase.queued": ("排队中", "queued"),
    "travel.phase.waiting for the coverage tables": ("等待覆盖表", "waiting for the coverage tables"),
    "travel.phase.loading the road graph": ("读取路网", "loading the road graph"),
    "travel.phase.snapping stations": ("把服务站连到道路", "attaching stations to the roads"),
    "travel.phase.travel time of villages": ("计算各村出行时间", "travel time of villages"),
    "travel.phase.travel time of townships": ("计算各乡镇出行时间", "travel time of townships"),
    "travel.phase.service areas": ("绘制服务范围", "drawing service areas"),
    "travel.phase.done": ("完成", "done"),
    # results
    "travel.results.title": ("结果", "Results"),
    "travel.map.label": (
        "各村到最近服务站的出行时间地图",
        "Map of the villages' minutes to their nearest station",
    ),
    "travel.map.to": ("颜色表示到哪一级服务站的时间", "Colour villages by minutes to"),
    "travel.map.to.village": ("最近的村(社区)服务站", "the nearest village station"),
    "travel.map.to.township": ("最近的乡镇(街道)服务站", "the nearest township station"),
    "travel.map.to.any": ("最近的任一级服务站", "the nearest station of any level"),
    "travel.map.minutes": ("服务范围", "Service areas of"),
    "travel.map.minutes.none": ("不显示", "none"),
    "travel.map.minutes.value": ("{m} 分钟", "{m} minutes"),
    "travel.map.level": ("服务站级别", "Stations"),
    "travel.map.level.all": ("全部级别", "all levels"),
    "travel.map.service_none": (
        "本范围没有 {m} 分钟的服务范围（没有该级别的服务站，或它们离道路太远）。",
        "No {m}-minute service areas here (no station of that level, or they are too far from any road).",
    ),
    "travel.map.service_count": (
        "显示 {n} 个服务站的 {m} 分钟服务范围（蓝色）。",
        "Showing the {m}-minute service areas of {n} stations (blue).",
    ),
    "travel.map.service_failed": (
        "服务范围无法读取：{reason}",
        "The service areas could not be read: {reason}",
    ),
    "travel.legend.title": ("出行时间（分钟）", "Minutes by road"),
    "travel.legend.upto": ("≤ {b} 分钟", "≤ {b} min"),
    "travel.legend.range": ("{a}–{b} 分钟", "{a}–{b} min"),
    "travel.legend.over": ("> {a} 分钟", "> {a} min"),
    "travel.legend.unreached": ("无法到达 / 未计算", "not reached / not run"),
    "travel.legend.service": ("服务范围", "Service area"),
    "travel.table.title": ("各村出行时间", "Villages and their minutes"),
    "travel.table.caption": (
        "{area} 的 {n} 个村，按到最近村(社区)服务站的分钟数从长到短排列",
        "The {n} villages of {area}, longest trip to a village station first",
    ),
    "travel.table.code": ("区划代码", "Code"),
    "travel.table.village": ("村(社区)", "Village"),
    "travel.table.population": ("人口", "Population"),
    "travel.table.village_min": ("到村站(分钟)", "To a village station (min)"),
    "travel.table.station": ("最近的村站（按时间）", "Nearest village station by time"),
    "travel.table.township_min": ("到乡镇站(分钟)", "To a township station (min)"),
    "travel.table.any_min": ("到任一站(分钟)", "To any station (min)"),
    "travel.table.access_m": ("到道路步行(米)", "Walk to the road (m)"),
    "travel.table.unreached": ("无法到达", "not reached"),
    "travel.table.shown": (
        "这里列出最需要关注的 {shown} 个村（共 {n} 个）；下载 CSV 可得到全部。",
        "The {shown} villages with the longest trips are listed here (of {n}); the CSV has them all.",
    ),
    "travel.table.download": ("下载 CSV", "Download CSV"),
    "travel.table.none": ("本范围没有村。", "There are no villages in this area."),
    "travel.table.about.area": ("范围", "Area"),
    "travel.table.about.run": ("出行时间计算", "Travel run"),
    "travel.table.about.unit": ("单位", "Units"),
    "travel.table.about.unit_text": (
        "分钟（按道路，含步行到道路的时间）；步行距离为米",
        "minutes by road, walking to the road included; walks in metres",
    ),
    # road import refusals (geo/coverage/roads.py and api/routes/coverage/roads.py)
    "error.roads.not_a_network": (
        "{name} 不是路网：其中没有线（找到的是：{found}）；道路文件应包含线要素（LineString）",
        "{name} is not a road network: it has no lines (found {found}); a road file holds LineStrings",
    ),
    "error.roads.no_features": (
        "{name} 不是路网：其中没有任何要素",
        "{name} is not a road network: it has no features",
    ),
    "error.roads.no_highways": (
        "{name} 不是路网：其中没有带 highway 标签的道路",
        "{name} is not a road network: it has no ways tagged highway",
    ),
    "error.roads.unknown_crs": (
        "{name}：不认识坐标系 {crs}；可选 WGS84、CGCS2000、GCJ02、BD09 或 EPSG 编码",
        "{name}: unknown coordinate system {crs}; choose WGS84, CGCS2000, GCJ02, BD09 or an EPSG code",
    ),
    "error.roads.no_epsg": (
        "{name} 的坐标系没有 EPSG 编码：请在“文件的坐标系”中选择它的坐标系",
        "the coordinate system of {name} has no EPSG code: choose it under “The file's coordinate system”",
    ),
    "error.roads.not_degrees": (
        "{name}：按 {crs} 转换后的坐标不是经纬度；请选择文件实际使用的坐标系（投影坐标请选 EPSG 编码）",
        "{name}: after conversion from {crs} the coordinates are not longitude/latitude degrees; choose the "
        "system the file really uses (an EPSG code for projected coordinates)",
    ),
    "error.roads.osm_is_wgs84": (
        "OpenStreetMap 文件总是 WGS84 坐标：请不要选择其他坐标系",
        "OpenStreetMap files are always WGS84: do not choose another coordinate system",
    ),
    "error.roads.empty": ("文件是空的：请选择道路文件本身", "the file is empty: choose the road file itself"),
    "error.roads.no_edges": (
        "道路文件中没有任何由两个不同点组成的线段",
        "the road file has no line between two distinct points",
    ),
    "error.roads.bad_name": ("路网名称应为 1 到 200 个字符", "a road network's name has 1 to 200 characters"),
    "error.roads.name_taken": (
        "已有名为“{name}”的路网：请换一个名称",
        "a road network named “{name}” exists: pick another name",
    ),
    "error.roads.bad_suffix": (
        "{name} 不是可读取的道路文件类型；可用：{expected}",
        "{name} is not a road file type this reads; expected one of: {expected}",
    ),
    "error.roads.wrong_type": (
        "上传的文件不是 {suffix} 文件：它的开头是另一种文件类型",
        "the upload is not a {suffix} file: its first bytes are those of another type",
    ),
    "error.roads.unknown_type": (
        "上传的文件不是可读取的道路文件（GeoPackage、GeoJSON、压缩的 Shapefile、FlatGeobuf、OSM .pbf/.osm）",
        "the upload is not a road file this reads (GeoPackage, GeoJSON, zipped Shapefile, FlatGeobuf, "
        "OSM .pbf/.osm)",
    ),
    "error.roads.multipart": (
        "请把道路文件本身作为请求内容发送，而不是 multipart 表单",
        "send the road file itself as the request body, not as a multipart form",
    ),
    "error.roads.too_large": ("道路文件超过 {mib} MiB", "the road file is over {mib} MiB"),
}
