"""The catalogue's entries of the public problem reports: placing, duplicates, following, status page (issue 22): key -> (zh, en)."""

_FIELDS = {
    "description": ("问题描述", "the description"),
    "email": ("电子邮箱", "the e-mail address"),
    "phone": ("电话", "the phone number"),
    "first_name": ("名", "the first name"),
    "last_name": ("姓", "the last name"),
    "media_url": ("照片链接", "media_url"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    # refusals of geo/public/reports.py (DomainError keys), in the page's or the caller's language
    "error.report.service_required": (
        "请选择问题类型（可选：{codes}）",
        "choose a category (service_code: one of {codes})",
    ),
    "error.report.unknown_service": (
        "没有“{code}”这一问题类型：可选 {codes}",
        "unknown service_code {code}: expected one of {codes}",
    ),
    **{
        f"error.report.{name}.control": (
            f"{zh}含有控制字符：请删去后再提交",
            f"{en} contains control characters",
        )
        for name, (zh, en) in _FIELDS.items()
    },
    **{
        f"error.report.{name}.too_long": (
            f"{zh}有 {{count}} 个字符，最多 {{limit}} 个",
            f"{en} has {{count}} characters, more than {{limit}}",
        )
        for name, (zh, en) in _FIELDS.items()
    },
    "error.report.email": (
        "“{value}”不是电子邮箱地址（例如 name@example.org）",
        "{value} is not an e-mail address (name@example.org)",
    ),
    "error.report.phone": (
        "“{value}”不是电话号码（5–20 位数字，可含 + ( ) - 和空格）",
        "{value} is not a phone number (5-20 digits, + ( ) - and spaces)",
    ),
    "error.report.pin_required": (
        "请先在地图上标出问题所在的位置（或填写纬度和经度）",
        "put the pin where the damage is (or type its latitude and longitude)",
    ),
    "error.report.pin_numbers": (
        "纬度和经度须是以度为单位的数字，而不是“{lat}”“{lon}”",
        "latitude and longitude must be numbers of degrees, not {lat}, {lon}",
    ),
    "error.report.pin_range": (
        "纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间",
        "latitude must be -90..90 and longitude -180..180",
    ),
    "error.report.unknown_crs": (
        "不认识坐标系“{crs}”：可用 wgs84（默认）或 gcj02（高德底图）",
        "unknown crs {crs}: expected wgs84 (the default) or gcj02 (an AMap basemap)",
    ),
    "error.report.outside_china": (
        "位置（{lon}, {lat}）在中国境外：只受理中国境内地点的问题",
        "the position ({lon}, {lat}) lies outside China: reports are taken for sites in China only",
    ),
    "error.report.media_url": ("照片链接须是 http(s) 网址", "media_url must be an http(s) URL"),
    "error.report.unknown_source": ("不认识的来源“{source}”", "unknown source {source}"),
    "error.report.description_required": (
        "请写下问题描述：哪里坏了、是什么情况（至少 {min} 个字）",
        "describe the problem: what is damaged and where (at least {min} characters)",
    ),
    "error.report.not_found": ("没有编号为 {id} 的公开问题反映", "there is no public report number {id}"),
    "error.report.bad_id": (
        "“{id}”不是问题反映的编号（编号是数字）",
        "{id} is not a report number (numbers only)",
    ),
    "error.report.too_many_ids": (
        "一次最多查询 {limit} 个编号，收到 {count} 个",
        "{count} service_request_id values: at most {limit}",
    ),
    "error.report.dates_reversed": ("结束日期早于开始日期", "end_date is before start_date"),
    "error.report.dates_too_wide": (
        "开始日期到结束日期最多相隔 {days} 天",
        "start_date to end_date spans more than {days} days",
    ),
    "error.report.unknown_status": (
        "不认识状态“{status}”：可用 open（处理中）或 closed（已结束）",
        "unknown status {status}: expected open or closed",
    ),
    "error.report.unknown_collection": (
        "不能在“{collection}”上反映问题：只能是纪念设施、烈士陵园或烈士墓",
        "no {collection} collection: reports are taken at memorials, cemeteries and graves",
    ),
    "error.report.no_site_record": ("没有编号为 {id} 的地点", "there is no site number {id} of this kind"),
    "error.report.bad_site": (
        "地点须写成“类别/编号”，例如 memorials/12、cemeteries/3 或 graves/40",
        "site must look like memorials/12, cemeteries/3 or graves/40",
    ),
    "error.report.follow_unknown": (
        "这个关注链接无效：请检查是否完整复制了链接",
        "this follow link is not known: check that the whole link was copied",
    ),
}
