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
        "只能对纪念设施、烈士陵园或烈士墓反映问题",
        "no {collection} collection: reports are taken at memorials, cemeteries and graves",
    ),
    "error.report.no_site_record": ("没有编号为 {id} 的地点", "there is no site number {id} of this kind"),
    "error.report.bad_site": (
        "链接中的地点无效：请从地点页面或地图上的“报告问题”链接进入，或直接在地图上标出位置",
        "site must look like memorials/12, cemeteries/3 or graves/40",
    ),
    "error.report.follow_unknown": (
        "这个关注链接无效：请检查是否完整复制了链接",
        "this follow link is not known: check that the whole link was copied",
    ),
    # the pages: /report, /reports/{id}, /reports/follow/{token} (web/templates/public/report_*.html)
    "reports.title": ("报告问题", "Report a problem"),
    "atlas.report": ("在此报告问题", "Report a problem here"),
    # staff: the moderation page's reports in triage (web/templates/staff/moderation.html)
    "reports.staff.followers": ("同一问题的关注者", "Followed instead of reported again"),
    "reports.where": ("问题在哪里", "Where is the problem?"),
    "reports.where_hint": (
        "在地图上点击问题所在的位置，或使用您的位置，或输入经纬度。附近 50 米内已有人反映的问题会列出来，供您对照。",
        "Tap the map where the problem is, use your position, or type latitude and longitude. Problems already "
        "reported within 50 m are listed for you to compare.",
    ),
    "reports.what": ("是什么问题", "What is wrong?"),
    "reports.choose_photos": ("选择照片", "Choose photos"),
    "reports.no_photos_chosen": ("未选择照片", "No photo chosen"),
    "reports.photos_chosen": ("已选择 {n} 张：{names}", "{n} chosen: {names}"),
    "reports.duplicates": ("是其中之一吗？", "Is it one of these?"),
    "reports.duplicates_hint": (
        "附近 50 米内已有人反映了下面的问题。如果是同一个问题，关注它即可，不必再报一次：处理有进展时您都能看到。",
        "These problems were reported within 50 m of your pin. If yours is one of them, follow it instead of "
        "reporting it again: you will see every update.",
    ),
    "reports.none_of_these": ("都不是？请继续在下方填写。", "None of these? Go on below."),
    "reports.inside_cemetery": (
        "将转交：{name}（标记点在陵园范围内）",
        "Goes to: {name} (the pin is inside the cemetery)",
    ),
    "reports.inside_cemetery_grave": (
        "将转交：{name}（标记点在陵园范围内，最近的墓：{grave}，约{distance}）",
        "Goes to: {name} (the pin is inside the cemetery; nearest grave: {grave}, about {distance})",
    ),
    "reports.sent": (
        "已收到，编号 {id}，已转交：{site}。",
        "Received: reference number {id}, sent to {site}.",
    ),
    "reports.keep_link": (
        "这是您的私人关注链接，只显示这一次，请收藏或复制保存：",
        "This is your private follow link, shown only once: bookmark or copy it now:",
    ),
    "reports.status_link": ("查看公开进度页", "See the public status page"),
    "reports.new": ("再报一个问题", "Report another problem"),
    "reports.follow_this": ("就是这个：关注它", "That's it: follow it"),
    "reports.follow_this_report": ("关注这个问题", "Follow this problem"),
    "reports.following": ("正在关注…", "Following…"),
    "reports.followed": (
        "已关注，不必再报。您的私人关注链接（只显示这一次，请收藏保存）：",
        "Followed: no need to report it again. Your private follow link (shown only once, bookmark it):",
    ),
    "reports.follow_failed": ("未能关注：{reason}", "Could not follow: {reason}"),
    "reports.distance": ("距标记点约{distance}", "about {distance} from your pin"),
    "reports.reported_on": ("{date} 反映", "filed {date}"),
    "reports.no_photo": ("无照片", "no photo"),
    "reports.photo_of": ("问题 {id} 的照片", "Photo of problem {id}"),
    "reports.followers": ("另有 {n} 人关注", "{n} more following"),
    "reports.status_title": ("问题反映 {id}", "Problem report {id}"),
    "reports.stage_prefix": ("进度：", "Stage: "),
    "reports.place": ("地点", "Place"),
    "reports.grave": ("最近的墓", "Nearest grave"),
    "reports.area": ("所在地区", "Area"),
    "reports.status_map": ("地图：问题位置和所在地点", "Map: where the problem is and its site"),
    "reports.pin": ("问题位置", "The problem's position"),
    "reports.photo_alt": ("问题照片 {n}", "Photo {n} of the problem"),
    "reports.no_photos": (
        "暂无公开的照片（照片经工作人员审核后公开）。",
        "No photos published yet (staff publish them after review).",
    ),
    "reports.stage_now": ("进度改为：{stage}", "Stage now: {stage}"),
    "reports.received": ("收到反映", "Report received"),
    "reports.note_cleared": ("说明已撤回。", "The note was withdrawn."),
    "reports.follow.heading": ("关注进度", "Follow this problem"),
    "reports.follow.explain": (
        "关注后您会得到一个私人链接：打开它即可看到自上次查看以来的新进展。不需要账号，也不留联系方式。",
        "Following gives you a private link: open it to see what changed since your last visit. No account and no "
        "contact details needed.",
    ),
    "reports.follow.title": ("关注：问题反映 {id}", "Following problem report {id}"),
    "reports.follow.keep_heading": ("请保存这个链接", "Keep this link"),
    "reports.follow.keep_text": (
        "这是您的私人关注链接。我们不保存链接本身，无法再次发送给您：请收藏本页或复制下面的地址。",
        "This is your private follow link. We do not keep the link itself and cannot send it again: bookmark this "
        "page or copy the address below.",
    ),
    "reports.follow.updates": ("自上次查看以来的进展", "Updates since your last visit"),
    "reports.follow.since": ("上次查看：{when}", "Last visit: {when}"),
    "reports.follow.started": ("开始关注：{when}", "Following since {when}"),
    "reports.follow.no_updates": ("自上次查看以来没有新的进展。", "Nothing new since your last visit."),
    "reports.follow.now": ("目前的情况", "Where it stands"),
    "reports.follow.status_page": ("查看完整的公开进度页", "See the whole public status page"),
    "reports.follow.not_found_title": ("关注链接无效", "Unknown follow link"),
}
