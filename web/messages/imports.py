"""Labels of the staff imports and exports pages (key -> (zh, en)), merged into web/i18n.py's catalogue; also why
an import rejects a row (``imports.reason.<key>``, geo/importing/reasons.py) and why it refuses a whole file
(``error.import.<key>``)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # /staff/imports
    "imports.title": ("导入登记表", "Import a register"),
    "imports.intro": (
        "先试导入：逐行检查，不写入任何内容；确认报告后再正式导入。被拒绝的行可下载、修改后重新导入。",
        "First a dry run checks every row and writes nothing; after reading the report, import for real. "
        "Rejected rows can be downloaded, fixed and imported again.",
    ),
    "imports.form": ("选择文件", "Choose the file"),
    "imports.steps": ("导入步骤", "How an import goes"),
    "imports.step.choose": (
        "选择导入内容和文件（如坐标来自高德或百度地图，请选对坐标系）。",
        "Choose what the file holds and the file (pick the coordinate system if the points come from AMap or Baidu).",
    ),
    "imports.step.dry_run": (
        "试导入：逐行检查并列出每行结果和被拒绝的原因，不写入任何内容。",
        "Dry run: every row is checked and its result and any reason listed; nothing is written.",
    ),
    "imports.step.commit": (
        "确认报告后点击“正式导入”，被接受的行写入数据库。",
        "When the report looks right, choose “Import for real”: the accepted rows are written.",
    ),
    "imports.step.rejects": (
        "下载被拒绝的行，修改后重新导入。",
        "Download the rejected rows, fix them and import them again.",
    ),
    "imports.collection": ("导入内容", "What the file holds"),
    "imports.collection.choose": ("请选择…", "Choose…"),
    "imports.file": ("文件", "File"),
    "imports.file.hint": (
        "CSV、Excel（.xlsx）、GeoJSON、GeoPackage、KML 或压缩的 Shapefile（.zip）；点位需有经度、纬度列。表头上方的标题行、"
        "合并表头、序号列、空行和合计行会自动识别。",
        "CSV, Excel (.xlsx), GeoJSON, GeoPackage, KML or a zipped Shapefile (.zip); points need longitude and "
        "latitude columns. Title rows above the header, merged headers, a running-number column, blank and total "
        "rows are found by themselves.",
    ),
    "imports.file.choose": ("选择文件", "Choose a file"),
    "imports.file.none": ("未选择文件", "No file chosen"),
    "imports.crs": ("坐标系", "Coordinate system"),
    "imports.crs.wgs84": ("WGS-84（GPS）", "WGS-84 (GPS)"),
    "imports.crs.cgcs2000": ("CGCS2000（国家 2000）", "CGCS2000"),
    "imports.crs.gcj02": ("GCJ-02（高德、腾讯地图）", "GCJ-02 (AMap, Tencent)"),
    "imports.crs.bd09": ("BD-09（百度地图）", "BD-09 (Baidu)"),
    "imports.fix_swapped": ("自动纠正经纬度颠倒", "Fix swapped latitude and longitude"),
    "imports.dry_run": ("试导入（不写入）", "Dry run (writes nothing)"),
    "imports.commit": ("正式导入", "Import for real"),
    "imports.uploading": ("正在上传 {percent}%…", "Uploading {percent}%…"),
    "imports.checking": ("正在逐行检查…", "Checking every row…"),
    "imports.committing": ("正在导入…", "Importing…"),
    "imports.need_collection": ("请选择文件中的内容类型。", "Choose what the file holds."),
    "imports.need_file": ("请选择要导入的文件。", "Choose the file to import."),
    "imports.failed": ("上传失败，请稍后重试。", "The upload failed; try again shortly."),
    "imports.report": ("导入报告", "Import report"),
    "imports.report.dry": ("试导入报告：尚未写入任何内容", "Dry run report: nothing has been written"),
    "imports.report.done": ("导入完成", "Import done"),
    "imports.report.file": ("文件", "File"),
    "imports.report.when": ("时间（北京时间）", "When (China time)"),
    "imports.report.who": ("操作人", "By"),
    "imports.report.columns": ("识别的列", "Columns recognised"),
    "imports.report.ignored": ("未使用的列", "Columns not used"),
    "imports.report.totals": ("合计", "Totals"),
    "imports.report.rows": ("行", "Rows"),
    "imports.report.only_rejected": ("只看被拒绝的行", "Only the rejected rows"),
    "imports.report.rejects": ("下载被拒绝的行", "Download the rejected rows"),
    "imports.report.rejects_hint": (
        "文件含“reject_reason”列，修改后可直接重新导入。",
        "The file has a reject_reason column; fix the rows and import it again.",
    ),
    "imports.report.commit_hint": (
        "确认无误后点击“正式导入”：被接受的行将写入，被拒绝的行不写入。",
        "When the report looks right, choose “Import for real”: accepted rows are written, rejected rows are not.",
    ),
    "imports.report.committed": (
        "已写入：新增 {inserted} 条，更新 {updated} 条。",
        "Written: {inserted} inserted, {updated} updated.",
    ),
    "imports.report.nothing": ("没有可写入的行。", "No row can be written."),
    "imports.report.committed_at": (
        "该试导入已于 {at} 正式导入，不能再次提交；若要再导入，请重新选择文件。",
        "This dry run was imported for real on {at}; it cannot be committed again. To import again, choose the "
        "file again.",
    ),
    "imports.report.reopen_commit": (
        "试导入的文件已不再保留（已正式导入、已过期，或不是您上传的）。若要正式导入，请重新选择该文件。",
        "The dry run's file is no longer kept (committed already, expired, or not yours). To import for real, "
        "choose the file again.",
    ),
    "imports.report.truncated": (
        "仅显示前 {shown} 行，共 {total} 行；被拒绝的行都在下载文件中。",
        "Showing the first {shown} of {total} rows; every rejected row is in the download.",
    ),
    "imports.col.row": ("行号", "Row"),
    "imports.col.code": ("编码", "Code"),
    "imports.col.status": ("结果", "Result"),
    "imports.col.field": ("字段", "Field"),
    "imports.col.reason": ("原因", "Reason"),
    "imports.status.inserted": ("新增", "Inserted"),
    "imports.status.updated": ("更新", "Updated"),
    "imports.status.unchanged": ("无变化", "Unchanged"),
    "imports.status.rejected": ("拒绝", "Rejected"),
    "imports.status.dry.inserted": ("将新增", "Would insert"),
    "imports.status.dry.updated": ("将更新", "Would update"),
    "imports.status.accepted": ("接受", "Accepted"),
    "imports.past": ("本辖区的历次导入", "Past imports of my area"),
    "imports.past.none": ("还没有导入记录。", "No imports yet."),
    "imports.past.open": ("打开报告", "Open the report"),
    "imports.past.kind": ("方式", "Kind"),
    "imports.past.dry": ("试导入", "Dry run"),
    "imports.past.real": ("正式导入", "Import"),
    "imports.past.dry_committed": ("试导入（已正式导入）", "Dry run (imported)"),
    "imports.report.upload_again": (
        "文件超过 {mb} MB，试导入后未在服务器保留：点击“正式导入”会重新上传左侧所选的文件“{file}”。",
        "The file is over {mb} MB and was not kept after the dry run: “Import for real” uploads the file chosen on "
        "the left, “{file}”, again.",
    ),
    "imports.choose_again": (
        "请先在左侧重新选择文件“{file}”，再点击“正式导入”。",
        "Choose the file “{file}” again on the left first, then click “Import for real”.",
    ),
    "imports.past.counts": (
        "新增 {inserted} · 更新 {updated} · 拒绝 {rejected}",
        "{inserted} new · {updated} updated · {rejected} rejected",
    ),
    "imports.gone": (
        "该导入报告已过期，或不属于您的辖区。",
        "That import report has expired, or it belongs to another area.",
    ),
    "imports.none_allowed": (
        "您的角色不能导入任何内容。",
        "Your role may not import anything.",
    ),
    # collections, as the import and export pages name them
    "imports.coll.stations": ("服务中心（站）", "Service stations"),
    "imports.coll.memorials": ("纪念设施", "Memorial facilities"),
    "imports.coll.cemeteries": ("烈士陵园", "Martyr cemeteries"),
    "imports.coll.graves": ("烈士墓", "Martyr graves"),
    "imports.coll.areas": ("行政区划", "Administrative areas"),
    "imports.coll.martyrs": ("烈士英名录", "Martyr records"),
    "imports.coll.summary": ("分区汇总表", "Per-area summary"),
    # fields that the shared catalogue does not name
    "imports.field.code": ("编码", "Code"),
    "imports.field.has_organisation": ("有机构", "Has an organisation"),
    "imports.field.has_staff_quota": ("有编制", "Has a staff quota"),
    "imports.field.has_staff": ("有人员", "Has staff"),
    "imports.field.has_funding": ("有经费", "Has funding"),
    "imports.field.has_support": ("有保障", "Has support"),
    "imports.field.township": ("乡镇（街道）名称", "Township (name)"),
    "imports.field.village": ("村（社区）名称", "Village (name)"),
    "imports.field.place": ("所在地", "Place (names)"),
    "imports.field.cemetery": ("所在陵园（名称）", "Cemetery (name)"),
    "imports.field.lon": ("经度", "Longitude"),
    "imports.field.lat": ("纬度", "Latitude"),
    "imports.field.address": ("地址", "Address"),
    "imports.field.notes": ("备注", "Notes"),
    "imports.field.phone": ("电话", "Phone"),
    "imports.field.opened_on": ("成立日期", "Opened on"),
    "imports.field.served_area_code": ("服务区划代码", "Served area code"),
    "imports.field.parent_code": ("上级区划代码", "Parent area code"),
    "imports.field.population": ("人口", "Population"),
    "imports.field.protection_zone": ("保护范围", "Protection zone"),
    "imports.field.control_zone": ("建设控制地带", "Construction-control zone"),
    "imports.field.boundary": ("边界", "Boundary"),
    "imports.field.geometry": ("几何", "Geometry"),
    "imports.field.approval_date": ("批准日期", "Approval date"),
    "imports.field.last_inspected_on": ("上次检查日期", "Last inspected on"),
    "imports.field.care_agreed_on": ("管护协议日期", "Care agreed on"),
    "imports.field.cemetery_id": ("所在陵园", "Cemetery"),
    "imports.field.birth_year": ("出生年份", "Birth year"),
    "imports.field.death_date": ("牺牲日期", "Date of death"),
    "imports.field.death_year": ("牺牲年份", "Year of death"),
    "imports.field.gender": ("性别", "Gender"),
    "imports.field.grave_code": ("墓葬编码", "Grave code"),
    "imports.field.cemetery_code": ("陵园编码", "Cemetery code"),
    "imports.field.memorial_code": ("纪念设施编码", "Memorial code"),
    "imports.field.hometown_area_code": ("籍贯区划代码", "Hometown area code"),
    "imports.field.synthetic": ("演示数据", "Synthetic (demo)"),
    "imports.field.approved_by": ("批准机关", "Approved by"),
    "imports.field.approval_doc_no": ("批准文号", "Approval document no."),
    "imports.field.description": ("简介", "Description"),
    "imports.field.has_protection_sign": ("有保护标志", "Has a protection sign"),
    "imports.field.management_unit": ("管理单位", "Management unit"),
    "imports.field.protection_unit": ("保护单位", "Protection unit"),
    "imports.field.protection_zone_desc": ("保护范围描述", "Protection zone (description)"),
    "imports.field.care_party": ("管护主体", "Care party"),
    "imports.field.custodian_name": ("管护人", "Custodian"),
    "imports.field.custodian_phone": ("管护人电话", "Custodian's phone"),
    "imports.field.disposition": ("处置方式", "Disposition"),
    "imports.field.moved_to_grave_id": ("迁入墓葬", "Moved to grave"),
    "imports.field.responsible_cadre": ("责任干部", "Responsible cadre"),
    "imports.field.row_no": ("墓排", "Row"),
    "imports.field.biography": ("生平事迹", "Biography"),
    "imports.field.burial_note": ("安葬说明", "Burial note"),
    "imports.field.grave_section": ("墓区", "Grave section"),
    "imports.field.grave_row": ("墓排", "Grave row"),
    "imports.field.grave_number": ("墓号", "Grave number"),
    "imports.field.hometown": ("籍贯", "Hometown"),
    "imports.field.place_of_death": ("牺牲地点", "Place of death"),
    "imports.field.relatives_found": ("已找到亲属", "Relatives found"),
    "imports.field.unit": ("生前单位", "Unit"),
    "imports.field.unnamed": ("无名烈士", "Unnamed"),
    # why a row is rejected (geo/importing/reasons.py); {field} is the field's label
    "imports.reason.fallback": ("该行不符合要求", "The row breaks a rule"),
    "imports.reason.too_many_cells": (
        "该行的单元格比表头的列多：{extra}",
        "the row has more cells than the header has columns: {extra}",
    ),
    "imports.reason.no_code": (
        "缺少编码：每行都需要登记编码，再次导入时据此更新",
        "no code: every row needs its register code so a re-import updates it",
    ),
    "imports.reason.too_large": ("{field}：{value} 太大", "{field}: {value} is too large"),
    "imports.reason.duplicate_code": (
        "编码 {code} 在文件中重复（另见第 {others} 行）",
        "code {code} appears more than once in the file (also on row {others})",
    ),
    "imports.reason.polygon.invalid": (
        "{field}：多边形无效，且无法修复",
        "{field}: an invalid polygon that cannot be repaired",
    ),
    "imports.reason.polygon.not_geometry": (
        "{field}：不是多边形（应为 GeoJSON 或 WKT）",
        "{field}: not a polygon (GeoJSON or WKT expected)",
    ),
    "imports.reason.polygon.kind": (
        "{field}：应为 Polygon 或 MultiPolygon，实为 {kind}",
        "{field}: a Polygon or MultiPolygon is expected, got {kind}",
    ),
    "imports.reason.polygon.transform": (
        "{field}：坐标无法转换到 WGS-84",
        "{field}: its coordinates cannot be converted to WGS-84",
    ),
    "imports.reason.geometry_kind": (
        "几何类型为 {kind}：应为点（或多边形）",
        "the geometry is a {kind}: a point (or a polygon) is expected",
    ),
    "imports.reason.no_coordinates": (
        "缺少坐标：没有几何，也没有经度、纬度列",
        "missing coordinates: no geometry and no longitude/latitude columns",
    ),
    "imports.reason.empty_coordinates": (
        "缺少坐标：经度或纬度为空",
        "missing coordinates: the longitude or latitude is empty",
    ),
    "imports.reason.not_a_number": (
        "{field}“{value}”不是数字",
        "{field} “{value}” is not a number",
    ),
    "imports.reason.swapped": (
        "经纬度似乎填反了：({x}, {y}) 在中国境外，({y}, {x}) 在境内；请交换两列，或勾选“自动纠正经纬度颠倒”",
        "latitude and longitude look swapped: ({x}, {y}) lies outside China, ({y}, {x}) inside; swap the "
        "columns or tick “Fix swapped latitude and longitude”",
    ),
    "imports.reason.outside_china": (
        "不在中国境内：{source} 坐标 ({x}, {y})",
        "outside China: ({x}, {y}) in {source}",
    ),
    "imports.reason.polygon_outside_china": (
        "不在中国境内：多边形位于 ({x}, {y})",
        "outside China: the polygon lies at ({x}, {y})",
    ),
    "imports.reason.unknown_area": ("{field} {code} 不存在", "{field} {code} names no known area"),
    "imports.reason.outside_declared_area": (
        "点位在所填区划 {code} {name} 之外 {km} 公里",
        "the point lies {km} km outside its declared area {code} {name}",
    ),
    "imports.reason.no_area": (
        "点位 ({lon}, {lat}) 不在任何已知区划内，请填写区划代码",
        "the point ({lon}, {lat}) lies in no known area; give its area code",
    ),
    "imports.reason.no_reference": (
        "{field} {value}：没有这条记录",
        "{field} {value}: no such record",
    ),
    "imports.reason.unknown_parent": (
        "上级区划代码 {code} 不存在（库中和文件中都没有）",
        "unknown parent area code {code} (neither stored nor in the file)",
    ),
    "imports.reason.outside_scope": (
        "超出您的辖区：只能导入 {mine} 内的记录，不能导入 {theirs}",
        "outside your area: you may import only in {mine}, not in {theirs}",
    ),
    "imports.reason.field.missing": ("{field}：必填，不能为空", "{field}: required"),
    "imports.reason.field.too_long": (
        "{field}：超过 {max_length} 个字符",
        "{field}: longer than {max_length} characters",
    ),
    "imports.reason.field.empty": ("{field}：不能为空", "{field}: may not be empty"),
    "imports.reason.field.pattern": ("{field}：格式不对", "{field}: not in the expected form"),
    "imports.reason.field.choice": (
        "{field}：取值应为 {expected} 之一",
        "{field}: should be one of {expected}",
    ),
    "imports.reason.field.integer": ("{field}：应为整数", "{field}: should be a whole number"),
    "imports.reason.field.number": ("{field}：应为数字", "{field}: should be a number"),
    "imports.reason.field.yes_no": ("{field}：应为“是”或“否”", "{field}: should be yes or no"),
    "imports.reason.field.date": (
        "{field}：应为日期，如 2021-03-05",
        "{field}: should be a date such as 2021-03-05",
    ),
    "imports.reason.field.min": ("{field}：不能小于 {ge}", "{field}: should be at least {ge}"),
    "imports.reason.field.min_exclusive": ("{field}：应大于 {gt}", "{field}: should be more than {gt}"),
    "imports.reason.field.max": ("{field}：不能大于 {le}", "{field}: should be at most {le}"),
    "imports.reason.field.max_exclusive": ("{field}：应小于 {lt}", "{field}: should be less than {lt}"),
    "imports.reason.field.unknown": ("{field}：不是该类记录的字段", "{field}: not a field of these records"),
    "imports.reason.field.invalid": ("{field}：取值不符合要求", "{field}: the value is not accepted"),
    # why a whole file is refused (geo/importing/readers.py, run.py; the upload route)
    "error.import.upload_empty": ("上传的文件是空的。", "The uploaded file is empty."),
    "error.import.empty": (
        "{name} 是空的：没有表头，也没有记录。",
        "{name} is empty: no header row and no records.",
    ),
    "error.import.no_records": ("{name} 中没有任何记录。", "{name} has no records."),
    "error.import.not_text": (
        "文件不是可识别的文本：请另存为 UTF-8 编码的 CSV，或上传 Excel、GeoJSON 等格式。",
        "The file is not readable text: save it as a UTF-8 CSV, or upload Excel, GeoJSON or another format.",
    ),
    "error.import.not_zip": (
        "{name} 不是有效的 zip 文件（应为压缩的 Shapefile）。",
        "{name} is not a valid zip file (a zipped Shapefile is expected).",
    ),
    "error.import.unknown_format": (
        "无法识别文件格式：请上传 CSV、XLSX、GeoJSON、GeoPackage、KML 或压缩的 Shapefile。",
        "Unknown file format: upload CSV, XLSX, GeoJSON, GeoPackage, KML or a zipped Shapefile.",
    ),
    "error.import.header_unnamed": (
        "{name}：表头第 {column} 列没有列名。",
        "{name}: column {column} of the header row has no name.",
    ),
    "error.import.header_twice": (
        "{name}：表头中“{column}”列出现了两次。",
        "{name}: the header names the column “{column}” twice.",
    ),
    "error.import.half_coordinates": (
        "文件有经度列却没有纬度列（或相反）。文件中的列：{columns}",
        "The file has a longitude column but no latitude column, or the reverse. Its columns: {columns}",
    ),
    "error.import.no_coordinates": (
        "文件中没有坐标列：请将经纬度列命名为“经度”“纬度”（或 lon、lat）。文件中的列：{columns}",
        "The file has no coordinate columns: name them 经度/纬度 (or lon, lat). Its columns: {columns}",
    ),
    "error.import.missing_columns": (
        "文件缺少每条{collection}记录必需的列：{fields}。这是{collection}文件吗？文件中的列：{columns}",
        "The file has no column for {fields}, which every record of {collection} needs: is it such a file? "
        "Its columns: {columns}",
    ),
    "error.import.collection.stations": ("服务中心（站）", "service stations"),
    "error.import.collection.memorials": ("纪念设施", "memorial facilities"),
    "error.import.collection.cemeteries": ("烈士陵园", "martyr cemeteries"),
    "error.import.collection.graves": ("烈士墓", "martyr graves"),
    "error.import.collection.areas": ("行政区划", "administrative areas"),
    "error.import.collection.martyrs": ("烈士英名录", "martyr records"),
    "error.import.upload_gone": (
        "试导入的文件已不再保留（已正式导入、已过期，或不是您上传的）：请重新选择文件。",
        "The dry run's file is no longer kept (committed already, expired, or not yours): choose the file again.",
    ),
    "error.import.report_gone": (
        "该导入报告已过期，或不属于您的辖区。",
        "That import report has expired, or it belongs to another area.",
    ),
    # issue 23: the county place names resolve in, the sheet, the shape found, likely duplicates
    "imports.area": ("地名所在区县", "County of the place names"),
    "imports.area.hint": (
        "登记表用乡镇、村或陵园的名称（而非代码）写所在地时，在此区县内查找这些名称。",
        "When the register gives places (township, village) or cemeteries by name instead of codes, the names are "
        "looked up in this county.",
    ),
    "imports.area.none": ("（不按名称查找）", "(no lookup by name)"),
    "imports.area.filter": ("筛选区县", "Filter the counties"),
    "imports.area.filter_hint": (
        "输入省、市、区县名称或区划代码",
        "Type a province, city or county, or a code",
    ),
    "imports.area.matches": ("{n} 个区县符合", "{n} counties match"),
    "imports.area.no_match": ("没有符合的区县，请换个写法", "No county matches; try another spelling"),
    "imports.sheet": ("工作表（Excel）", "Sheet (Excel)"),
    "imports.sheet.hint": (
        "填工作表名称或序号（从 1 起）；填“全部”读取表头相同的所有工作表；留空则读取第一个有表头的工作表。",
        "A sheet's name or number (from 1); “all” reads every sheet with the same header; empty: the first sheet "
        "with a header.",
    ),
    "imports.report.shape": ("表格结构", "Layout of the file"),
    "imports.report.shape_details": ("识别与跳过的内容", "What was found and skipped"),
    "imports.shape.header_row": ("表头在第 {row} 行", "header on row {row}"),
    "imports.shape.header_rows": (
        "表头在第 {first}–{last} 行（两行表头）",
        "header on rows {first}–{last} (two rows)",
    ),
    "imports.shape.skipped": ("跳过{rows}", "skipped {rows}"),
    "imports.shape.count.title": ("标题行 {n} 行", "{n} title rows"),
    "imports.shape.count.blank": ("空行 {n} 行", "{n} blank rows"),
    "imports.shape.count.total": ("合计行 {n} 行", "{n} total rows"),
    "imports.shape.count.note": ("表尾说明 {n} 行", "{n} note rows"),
    "imports.shape.sheet": ("读取工作表“{name}”（{n} 行记录）", "read the sheet “{name}” ({n} records)"),
    "imports.shape.in_sheet": ("工作表“{name}”：", "Sheet “{name}”: "),
    "imports.shape.row_text": ("第 {row} 行“{text}”", "row {row} “{text}”"),
    "imports.shape.titles": (
        "表头上方的标题行（不导入）：{rows}",
        "Title rows above the header (not imported): {rows}",
    ),
    "imports.shape.merged": (
        "合并表头：“{group}”下的列 {columns}",
        "Merged header: “{group}” over {columns}",
    ),
    "imports.shape.blanks": ("空行（跳过）：第 {rows} 行", "Blank rows (skipped): {rows}"),
    "imports.shape.totals": ("合计行（跳过）：{rows}", "Total rows (skipped): {rows}"),
    "imports.shape.notes": ("表尾说明（跳过）：{rows}", "Notes under the records (skipped): {rows}"),
    "imports.shape.serial": (
        "序号列“{column}”不导入",
        "The running-number column “{column}” is not imported",
    ),
    "imports.shape.skipped_sheet.no_header": (
        "未读取工作表“{name}”：没有可识别的表头",
        "The sheet “{name}” was not read: it has no header of known columns",
    ),
    "imports.shape.skipped_sheet.empty": (
        "未读取工作表“{name}”：空白",
        "The sheet “{name}” was not read: it is empty",
    ),
    "imports.shape.skipped_sheet.other_header": (
        "未读取工作表“{name}”：表头与所读工作表不同",
        "The sheet “{name}” was not read: its header differs from the sheets read",
    ),
    "imports.shape.skipped_sheet.not_chosen": (
        "未读取工作表“{name}”（可在“工作表”中填写其名称）",
        "The sheet “{name}” was not read (give its name under “Sheet”)",
    ),
    "imports.shape.skipped_sheet.same_header": (
        "未读取工作表“{name}”：表头相同，“工作表”填“全部”可一并导入",
        "The sheet “{name}” was not read: it has the same header; “all” under “Sheet” imports it too",
    ),
    "imports.shape.encoding": ("文件编码：{encoding}", "Text encoding: {encoding}"),
    "imports.shape.encoding.bom": (
        "文件编码：{encoding}（带 BOM）",
        "Text encoding: {encoding} (with a BOM)",
    ),
    "imports.col.sheet": ("工作表", "Sheet"),
    "imports.shape.list_sep": ("、", ", "),
    "imports.shape.part_sep": ("；", "; "),
    "imports.dup.cli.kept_out": (
        "疑似重复：第 {row} 行“{name}”与{other}同名，相距 {metres}（未导入）",
        "likely duplicate: row {row} “{name}” has the name of {other}, {metres} away (kept out)",
    ),
    "imports.dup.cli.confirmed": (
        "疑似重复：第 {row} 行“{name}”与{other}同名，相距 {metres}（已确认，一并导入）",
        "likely duplicate: row {row} “{name}” has the name of {other}, {metres} away (confirmed, imported)",
    ),
    "imports.dup.cli.hint": (
        "如确是不同地点，加 --accept-duplicates 再导入一次。",
        "If they are different places, import again with --accept-duplicates.",
    ),
    "imports.dup.title": ("疑似重复", "Likely duplicates"),
    "imports.dup.intro": (
        "以下各行与文件中前面的行或库中已有记录同名，且相距不到 50 米，未导入。若确是不同地点，请勾选确认后再正式导入。",
        "These rows have the same name as an earlier row of the file or a stored record less than 50 m away, and "
        "were kept out. If they are different places, confirm below before importing for real.",
    ),
    "imports.dup.accepted": (
        "已确认以下同名相近的记录是不同地点，一并导入。",
        "These rows of the same name close by were confirmed to be different places and imported.",
    ),
    "imports.dup.col.row": ("行号", "Row"),
    "imports.dup.col.name": ("名称", "Name"),
    "imports.dup.col.other": ("与之重复", "Same as"),
    "imports.dup.col.metres": ("相距", "Apart"),
    "imports.dup.row": ("文件第 {row} 行", "row {row} of the file"),
    "imports.dup.row_in_sheet": ("工作表“{sheet}”第 {row} 行", "row {row} of the sheet “{sheet}”"),
    "imports.dup.stored": ("已有记录 {code} {name}", "stored record {code} {name}"),
    "imports.dup.metres": ("{m} 米", "{m} m"),
    "imports.dup.confirm": (
        "确认这些是不同地点，正式导入时一并导入",
        "These are different places: import them too when importing for real",
    ),
    "imports.report.duplicates_only": (
        "除疑似重复的行外没有可写入的行；如确认它们是不同地点，可勾选后正式导入。",
        "Apart from the likely duplicates no row can be written; confirm them to import them for real.",
    ),
    "imports.reason.likely_duplicate_row": (
        "疑似重复：与文件第 {other} 行同名，相距 {metres} 米；确认是不同地点后才导入",
        "likely a duplicate: the same name as row {other} of the file, {metres} m away; imported only once "
        "confirmed to be a different place",
    ),
    "imports.reason.likely_duplicate_row_in_sheet": (
        "疑似重复：与工作表“{sheet}”第 {other} 行同名，相距 {metres} 米；确认是不同地点后才导入",
        "likely a duplicate: the same name as row {other} of the sheet “{sheet}”, {metres} m away; imported only "
        "once confirmed to be a different place",
    ),
    "imports.reason.likely_duplicate_stored": (
        "疑似重复：与已有记录 {code} {name} 同名，相距 {metres} 米；确认是不同地点后才导入",
        "likely a duplicate: the same name as the stored record {code} {name}, {metres} m away; imported only "
        "once confirmed to be a different place",
    ),
    "error.import.no_sheet": (
        "{name} 中没有工作表“{sheet}”；它的工作表有：{sheets}。",
        "{name} has no sheet “{sheet}”; its sheets are: {sheets}.",
    ),
    # /staff/exports
    "exports.title": ("导出数据", "Export data"),
    "exports.intro": (
        "每个文件都可以原样重新导入。个人信息（如管护人）只导出本辖区内的记录。",
        "Every file can be imported back as it is. Personal fields (such as custodians) are filled only for "
        "records of your own area.",
    ),
    "exports.area": ("区域", "Area"),
    "exports.area.all": ("全部区域", "Every area"),
    "exports.area.apply": ("更新", "Update"),
    "exports.area.unknown": (
        "区划代码 {code} 不存在：请填写 6、9 或 12 位的区划代码。",
        "Area code {code} does not exist: give a 6, 9 or 12-digit area code.",
    ),
    "exports.area.outside": (
        "{code} 不在您的辖区内，已改为导出您的辖区。",
        "{code} lies outside your area: your own area is exported instead.",
    ),
    "exports.col.collection": ("数据", "Collection"),
    "exports.col.count": ("记录数", "Records"),
    "exports.col.formats": ("下载格式", "Download as"),
    "exports.fmt.geojson": ("GeoJSON", "GeoJSON"),
    "exports.fmt.csv": ("CSV", "CSV"),
    "exports.fmt.xlsx": ("Excel", "Excel"),
    "exports.fmt.gpkg": ("GeoPackage", "GeoPackage"),
    "exports.fmt.shp": ("Shapefile（zip）", "Shapefile (zip)"),
    "exports.fmt.kml": ("KML", "KML"),
    "exports.fmt.ogc": ("OGC API", "OGC API"),
    "exports.download": ("{format}：下载{collection}", "{format}: download {collection}"),
    "exports.summary.note": (
        "每个下级区域一行，各类数据按类型、状态计数。",
        "One row per child area, each collection counted by kind and status.",
    ),
    "exports.ogc.note": (
        "GIS 软件（QGIS、GDAL）可直接连接 OGC API – Features：",
        "GIS software (QGIS, GDAL) can connect to OGC API – Features directly:",
    ),
}
