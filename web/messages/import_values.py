"""The catalogue's entries of reading registers as bureaus keep them: Chinese values, places by name, natural keys (issue 23): key -> (zh, en).

Why a row is rejected (``imports.reason.<key>``, geo/importing/reasons.py): ``value.<kind>`` a cell that cannot be
read as registers write such values (geo/importing/values.py), ``cell.<kind>`` a value the fields refuse,
``place.<key>`` names of places (geo/importing/places.py), ``key.<key>`` natural keys (geo/importing/keys.py),
``note.<key>`` what was done to an accepted row. ``{column}`` is the column as the file heads it, ``{value}`` the
cell as the file wrote it."""

_ACCEPTED_STARS = (
    "应为 1–5 星，如 4、4星、四星、四星级、★★★★",
    "expected 1–5 stars, e.g. 4, 4星, 四星, 四星级, ★★★★",
)
_ACCEPTED_DATE = (
    "应为日期，如 2019-05-01、2019/5/1、2019年5月1日、2019年5月、2019.05、2019年",
    "expected a date such as 2019-05-01, 2019/5/1, 2019年5月1日, 2019年5月, 2019.05 or 2019年",
)
_ACCEPTED_COORDINATE = (
    "应为十进制度数（110.81、东经110.81）或度分秒（110°48′36″、东经110度48分36秒）",
    "expected decimal degrees (110.81, 东经110.81, E110.81) or degrees-minutes-seconds (110°48′36″, 东经110度48分36秒)",
)


def _value(what: tuple[str, str], accepted: tuple[str, str]) -> tuple[str, str]:
    """A cell not understood: “{column}”列的“{value}”不是…：应为…"""
    return (
        f"“{{column}}”列的“{{value}}”不是{what[0]}：{accepted[0]}",
        f"column “{{column}}”: “{{value}}” is not {what[1]}: {accepted[1]}",
    )


def _choice(what: tuple[str, str], words: tuple[str, str]) -> tuple[str, str]:
    return _value(what, (f"应为 {words[0]} 之一", f"expected one of {words[1]}"))


MESSAGES: dict[str, tuple[str, str]] = {
    # a cell that cannot be read (geo/importing/values.py)
    "imports.reason.value.stars": _value(("星级", "a star rating"), _ACCEPTED_STARS),
    "imports.reason.value.yes_no": _value(
        ("“是/否”", "yes or no"),
        ("应为 是、否、有、无、√、×、Y、N 之一", "expected one of 是, 否, 有, 无, √, ×, Y, N, yes, no"),
    ),
    "imports.reason.value.station_level": _value(
        ("站点级别", "a station level"),
        (
            "应为 省级、市级、县级（县(市、区)级）、乡镇(街道)级、村(社区)级 之一",
            "expected 省级, 市级, 县级 (县(市、区)级), 乡镇(街道)级 or 村(社区)级 (or province … village)",
        ),
    ),
    "imports.reason.value.protection_level": _value(
        ("保护级别", "a protection level"),
        (
            "应为 全国重点烈士纪念设施保护单位、省级烈士纪念设施保护单位、市级…、县级… 或 零散（未定级）",
            "expected 全国重点烈士纪念设施保护单位, 省级…, 市级…, 县级… or 零散/未定级 "
            "(national, provincial, city, county, scattered)",
        ),
    ),
    "imports.reason.value.date": _value(("日期", "a date"), _ACCEPTED_DATE),
    "imports.reason.value.coordinate": _value(("坐标", "a coordinate"), _ACCEPTED_COORDINATE),
    "imports.reason.value.integer": _value(
        ("整数", "a whole number"),
        ("应为整数，如 1200、1,200、1200人", "expected a whole number such as 1200"),
    ),
    "imports.reason.value.number": _value(
        ("数字", "a number"), ("应为数字，如 12.5", "expected a number such as 12.5")
    ),
    "imports.reason.value.choice.memorial_kind": _choice(
        ("纪念设施类型", "a kind of memorial"),
        (
            "纪念堂馆、纪念碑亭、纪念塔祠、纪念塑像、纪念广场、英名墙",
            "纪念堂馆, 纪念碑亭, 纪念塔祠, 纪念塑像, 纪念广场, 英名墙 (hall, monument, tower, statue, square, name_wall)",
        ),
    ),
    "imports.reason.value.choice.cemetery_kind": _choice(
        ("陵园类型", "a kind of cemetery"),
        (
            "烈士陵园、烈士墓区、骨灰堂、军人墓区",
            "烈士陵园, 烈士墓区, 骨灰堂, 军人墓区 (martyr_cemetery, grave_area, columbarium, veterans_section)",
        ),
    ),
    "imports.reason.value.choice.grave_kind": _choice(
        ("墓葬类型", "a kind of grave"),
        ("陵园内（集中安葬）、零散（散葬）", "陵园内, 零散/散葬 (in_cemetery, scattered)"),
    ),
    "imports.reason.value.choice.upkeep_status": _choice(
        ("管护状况", "an upkeep state"),
        ("良好、一般、较差、损毁、不详", "良好, 一般, 较差, 损毁, 不详 (good, fair, poor, damaged, unknown)"),
    ),
    "imports.reason.value.choice.station_status": _choice(
        ("运行状态", "a station status"),
        ("运行、规划（在建）、撤销（关闭）", "运行, 规划/在建, 撤销/关闭 (active, planned, closed)"),
    ),
    "imports.reason.value.choice.disposition": _choice(
        ("处置方式", "what was done with the grave"),
        ("原址保护、迁入陵园、协议管护", "原址保护, 迁入陵园, 协议管护 (in_place, moved, care_agreement)"),
    ),
    "imports.reason.value.choice.care_party": _choice(
        ("管护主体", "who cares for the grave"),
        ("村委会、亲属", "村委会, 亲属 (village_committee, relatives)"),
    ),
    "imports.reason.value.choice.gender": _choice(("性别", "a gender"), ("男、女", "男, 女 (male, female)")),
    # a value read but refused by the fields (pydantic's error types, said here)
    "imports.reason.cell.missing": (
        "“{column}”列为空：此项必填",
        "column “{column}” is empty: it is required",
    ),
    "imports.reason.cell.too_long": (
        "“{column}”列的内容超过 {max_length} 个字符",
        "column “{column}”: longer than {max_length} characters",
    ),
    "imports.reason.cell.empty": ("“{column}”列不能为空", "column “{column}” may not be empty"),
    "imports.reason.cell.pattern": (
        "“{column}”列的“{value}”格式不对",
        "column “{column}”: “{value}” is not in the expected form",
    ),
    "imports.reason.cell.choice": (
        "“{column}”列的“{value}”不是可选的值",
        "column “{column}”: “{value}” is not one of the accepted values",
    ),
    "imports.reason.cell.integer": (
        "“{column}”列的“{value}”不是整数",
        "column “{column}”: “{value}” is not a whole number",
    ),
    "imports.reason.cell.number": (
        "“{column}”列的“{value}”不是数字",
        "column “{column}”: “{value}” is not a number",
    ),
    "imports.reason.cell.yes_no": (
        "“{column}”列的“{value}”不是“是/否”",
        "column “{column}”: “{value}” is not yes or no",
    ),
    "imports.reason.cell.date": (
        "“{column}”列的“{value}”不是日期",
        "column “{column}”: “{value}” is not a date",
    ),
    "imports.reason.cell.min": (
        "“{column}”列的“{value}”太小：不能小于 {ge}",
        "column “{column}”: “{value}” is too small: at least {ge}",
    ),
    "imports.reason.cell.min_exclusive": (
        "“{column}”列的“{value}”太小：应大于 {gt}",
        "column “{column}”: “{value}” is too small: more than {gt}",
    ),
    "imports.reason.cell.max": (
        "“{column}”列的“{value}”太大：不能大于 {le}",
        "column “{column}”: “{value}” is too large: at most {le}",
    ),
    "imports.reason.cell.max_exclusive": (
        "“{column}”列的“{value}”太大：应小于 {lt}",
        "column “{column}”: “{value}” is too large: less than {lt}",
    ),
    "imports.reason.cell.unknown": ("“{column}”列不能导入", "column “{column}” cannot be imported"),
    "imports.reason.cell.invalid": (
        "“{column}”列的“{value}”不符合要求",
        "column “{column}”: “{value}” is not accepted",
    ),
    # a grave's own rules
    "imports.reason.rule.grave_needs_cemetery": (
        "陵园内的墓需要填写所在陵园",
        "a grave in a cemetery needs its cemetery",
    ),
    "imports.reason.rule.scattered_in_cemetery": (
        "零散烈士墓不应填写所在陵园（如在陵园内，类型请填“陵园内”）",
        "a scattered grave has no cemetery (for a grave in a cemetery write 陵园内 as its kind)",
    ),
    "imports.reason.rule.moved_needs_target": (
        "处置方式为“迁入陵园”时须填写迁入的墓，反之亦然",
        "a grave moved needs the grave it moved to, and only then",
    ),
    # coordinates labelled 东经/北纬
    "imports.reason.same_axis": (
        "“{lon_column}”（{lon}）和“{lat_column}”（{lat}）标注的是同一个方向：应一列东经、一列北纬",
        "“{lon_column}” ({lon}) and “{lat_column}” ({lat}) are labelled the same axis: one east, one north",
    ),
    # places by name (geo/importing/places.py)
    "imports.reason.place.unknown_township": (
        "“{column}”列的“{value}”：{within}没有这个乡镇（街道）；可选：{candidates}",
        "column “{column}”: {within} has no township “{value}”; it has: {candidates}",
    ),
    "imports.reason.place.unknown_township.bare": (
        "“{column}”列的“{value}”：{within}没有这个乡镇（街道）",
        "column “{column}”: {within} has no township “{value}”",
    ),
    "imports.reason.place.unknown_village": (
        "“{column}”列的“{value}”：{within}没有这个村（社区）；可选：{candidates}",
        "column “{column}”: {within} has no village (community) “{value}”; it has: {candidates}",
    ),
    "imports.reason.place.unknown_village.bare": (
        "“{column}”列的“{value}”：{within}没有这个村（社区）",
        "column “{column}”: {within} has no village (community) “{value}”",
    ),
    "imports.reason.place.unknown_place": (
        "“{column}”列的“{value}”：在{within}找不到这个地点；请写成“乡镇+村”，如“中峰镇大源村”",
        "column “{column}”: “{value}” names no place in {within}; write the township and the village, "
        "e.g. 中峰镇大源村",
    ),
    "imports.reason.place.unknown_place.bare": (
        "“{column}”列的“{value}”：在{within}找不到这个地点；请写成“乡镇+村”，如“中峰镇大源村”",
        "column “{column}”: “{value}” names no place in {within}; write the township and the village, "
        "e.g. 中峰镇大源村",
    ),
    "imports.reason.place.ambiguous_township": (
        "“{column}”列的“{value}”不止一处：{candidates}；请选择导入的县（区）或填写区划代码",
        "column “{column}”: “{value}” names several townships: {candidates}; choose the county of the import "
        "or give the area code",
    ),
    "imports.reason.place.ambiguous_village": (
        "“{column}”列的“{value}”在{within}不止一处：{candidates}；请同时填写乡镇（街道）",
        "column “{column}”: “{value}” names several villages in {within}: {candidates}; give the township too",
    ),
    "imports.reason.place.outside": (
        "“{column}”列的“{value}”在{candidates}，不在本次导入的{within}",
        "column “{column}”: “{value}” lies in {candidates}, not in {within}, the area of this import",
    ),
    # cemeteries by name (geo/importing/cemeteries.py)
    "imports.reason.cemetery.unknown": (
        "“{column}”列的“{value}”：{within}没有这个陵园（墓区）；可选：{candidates}",
        "column “{column}”: {within} has no cemetery “{value}”; it has: {candidates}",
    ),
    "imports.reason.cemetery.unknown.bare": (
        "“{column}”列的“{value}”：{within}没有这个陵园（墓区）；请按陵园登记的名称填写",
        "column “{column}”: {within} has no cemetery “{value}”; write the name the cemetery is registered under",
    ),
    "imports.reason.cemetery.unknown_atlas": (
        "“{column}”列的“{value}”：没有这个陵园（墓区）；可选：{candidates}",
        "column “{column}”: no cemetery “{value}” is stored; there are: {candidates}",
    ),
    "imports.reason.cemetery.unknown_atlas.bare": (
        "“{column}”列的“{value}”：没有这个陵园（墓区）；请按陵园登记的名称填写，或选择导入的县（区）",
        "column “{column}”: no cemetery “{value}” is stored; write the name the cemetery is registered under, or "
        "choose the county of the import",
    ),
    "imports.reason.cemetery.ambiguous": (
        "“{column}”列的“{value}”不止一处陵园（墓区）：{candidates}；请写全称或选择导入的县（区）",
        "column “{column}”: “{value}” names several cemeteries: {candidates}; write its full name or choose the "
        "county of the import",
    ),
    "imports.reason.cemetery.outside": (
        "“{column}”列的“{value}”在{candidates}，不在本次导入的{within}",
        "column “{column}”: the cemetery “{value}” lies in {candidates}, not in {within}, the area of this import",
    ),
    # natural keys (geo/importing/keys.py)
    "imports.reason.key.ambiguous": (
        "按区划和名称对应到多条已有记录：{candidates}；请填写编码以区分",
        "the row's area and name match several stored records: {candidates}; give its code",
    ),
    "imports.reason.key.repeated.area_name": (
        "与第 {others} 行是同一处（区划和名称相同）：登记表中重复填写",
        "the same site as row {others} (same area and name): the register has it twice",
    ),
    "imports.reason.key.repeated.cemetery_position": (
        "与第 {others} 行是同一座墓（陵园和墓区、排、号相同）：登记表中重复填写",
        "the same grave as row {others} (same cemetery, section, row and number): the register has it twice",
    ),
    "imports.reason.key.repeated.area_martyr_name": (
        "与第 {others} 行是同一座墓（区划、烈士姓名和名称相同）：登记表中重复填写",
        "the same grave as row {others} (same area, martyr and name): the register has it twice",
    ),
    "imports.reason.key.repeated.code": (
        "与第 {others} 行对应同一条已有记录：登记表中重复填写",
        "the same stored record as row {others}: the register has it twice",
    ),
    # what was done to an accepted row
    "imports.reason.note.key_matched.area_name": (
        "按区划和名称对应到已有记录 {code}（{name}）",
        "matched by area and name to the stored record {code} “{name}”",
    ),
    "imports.reason.note.key_matched.cemetery_position": (
        "按陵园和墓区、排、号对应到已有记录 {code}（{name}）",
        "matched by cemetery, section, row and number to the stored record {code} “{name}”",
    ),
    "imports.reason.note.key_matched.area_martyr_name": (
        "按区划、烈士姓名和名称对应到已有记录 {code}（{name}）",
        "matched by area, martyr and name to the stored record {code} “{name}”",
    ),
    "imports.reason.note.code_generated": (
        "新记录，生成编码 {code}（再次导入时据此对应）",
        "a new record, given the code {code} (a re-import finds it by its area and name)",
    ),
    "imports.reason.note.cemetery_resolved": (
        "所在陵园按名称“{value}”确定为 {name}",
        "its cemetery, from the name “{value}”: {name}",
    ),
    "imports.reason.note.place_resolved": (
        "所在地按名称确定为 {name}（{code}）",
        "its area, from the names given: “{name}” ({code})",
    ),
    "imports.reason.note.axes_by_label": (
        "“{lon_column}”和“{lat_column}”按东经、北纬标注互换读取：经度 {lon}，纬度 {lat}",
        "“{lon_column}” and “{lat_column}” were read as labelled (东经/北纬): longitude {lon}, latitude {lat}",
    ),
    "imports.reason.note.swapped_fixed": (
        "经纬度填反，已纠正为 ({x}, {y})",
        "latitude and longitude were swapped: fixed to ({x}, {y})",
    ),
    "imports.reason.note.polygon_repaired": (
        "{field}：多边形无效，已自动修复",
        "{field}: an invalid polygon, repaired",
    ),
    # the command line's report (geo/importing/console.py, ``python main.py import --lang``)
    "imports.cli.head": (
        "{file}（{format}，{encoding}，{crs}）→ {collection}",
        "{file} ({format}, {encoding}, {crs}) → {collection}",
    ),
    "imports.cli.columns": ("列：{columns}", "columns: {columns}"),
    "imports.cli.ignored": ("未导入的列：{columns}", "ignored columns: {columns}"),
    "imports.cli.no_code": ("无编码", "no code"),
    "imports.cli.rejected": (
        "  第 {row} 行（{code}）：拒绝：{reason}",
        "  row {row} ({code}): rejected: {reason}",
    ),
    "imports.cli.more": (
        "  …另有 {n} 行被拒绝（见拒绝行文件）",
        "  … and {n} more rejected rows (see the rejects file)",
    ),
    "imports.cli.noted": (
        "  第 {row} 行（{code}）：{status}；{notes}",
        "  row {row} ({code}): {status}; {notes}",
    ),
    "imports.cli.notes_sep": ("；", "; "),
    "imports.cli.status.inserted": ("新增", "inserted"),
    "imports.cli.status.updated": ("更新", "updated"),
    "imports.cli.status.unchanged": ("无变化", "unchanged"),
    "imports.cli.summary": (
        "共 {rows} 行：新增 {inserted}，更新 {updated}，无变化 {unchanged}，拒绝 {rejected}",
        "{rows} rows: {inserted} inserted, {updated} updated, {unchanged} unchanged, {rejected} rejected",
    ),
    "imports.cli.summary_dry": (
        "共 {rows} 行：将新增 {inserted}，将更新 {updated}，无变化 {unchanged}，拒绝 {rejected}（试导入：未写入任何内容）",
        "{rows} rows: {inserted} would be inserted, {updated} would be updated, {unchanged} unchanged, "
        "{rejected} rejected (dry run: nothing written)",
    ),
    "imports.cli.phase.checking": ("检查各行", "checking rows"),
    "imports.cli.phase.loading": ("写入数据库", "loading"),
    "imports.cli.phase.rows": (" 行", " rows"),
    "imports.cli.rejects_file": (
        "被拒绝的行已写入 {path}：修改后可重新导入该文件",
        "rejected rows written to {path}: fix them and import that file again",
    ),
    # refusals of a whole import
    "error.import.map_pair": (
        "列对应（--map）应写成“表头=字段”，用逗号分隔，而不是“{pair}”。",
        "--map takes header=field pairs separated by commas, not “{pair}”.",
    ),
    "error.import.map_no_column": (
        "列对应（--map）中的列“{column}”文件里没有；文件的列：{columns}。",
        "--map names column “{column}”, which the file lacks; its columns: {columns}.",
    ),
    "error.import.map_no_field": (
        "列对应（--map）的目标“{field}”不是此类记录的字段；可用字段：{fields}。",
        "--map target “{field}” is not a field of these records; the fields: {fields}.",
    ),
    "error.import.unknown_collection": (
        "不能导入“{collection}”：应为 {expected} 之一。",
        "Cannot import “{collection}”: expected one of {expected}.",
    ),
    "error.import.unknown_area": (
        "区划代码 {code} 不存在：地点名称需在所选的县（区）内查找。",
        "Unknown area {code}: place names are looked up inside the chosen county.",
    ),
}
