"""The catalogue's entries of the public site pages: photos, address, directions, nearby, tribute block (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the site page (web/templates/public/site.html, web/public/site_page.py)
    "error.public_sites.no_pages": (
        "“{collection}”没有公开页面：纪念设施、烈士陵园和烈士墓才有。",
        "There are no public pages of “{collection}”: memorials, cemeteries and graves have them.",
    ),
    "public_sites.grave_title": ("{name}烈士墓", "Grave of {name}"),
    "public_sites.area_path": ("所在地区", "Where it is"),
    "public_sites.area_link": ("查找{name}的纪念设施和陵园", "Memorials and cemeteries in {name}"),
    "public_sites.getting_there": ("前往祭扫", "Getting there"),
    "public_sites.coordinates": ("坐标(WGS-84)", "Coordinates (WGS-84)"),
    "public_sites.lies_in": ("所在陵园", "Cemetery"),
    "public_sites.position": ("墓位", "Grave position"),
    "public_sites.grave_kind": ("类别", "Kind"),
    "public_sites.care_party": ("看护", "Cared for by"),
    "public_sites.report": ("报告此处的问题", "Report a problem here"),
    "public_sites.report_hint": (
        "墓碑损坏、环境脏乱或信息有误，请告诉我们。",
        "A damaged stone, litter, or wrong information? Tell us.",
    ),
    "public_sites.photo_alt": ("{name}的照片", "Photo of {name}"),
    "public_sites.photo_open": ("查看原图：{alt}", "Full-size photo: {alt}"),
    "public_sites.photos_count": ("{n} 张照片", "{n} photos"),
    "public_sites.martyr_here": ("安葬于此的烈士", "The martyr buried here"),
    "public_sites.no_martyr_record": (
        "暂无此墓烈士的名录。",
        "No martyr record is linked to this grave yet.",
    ),
    "public_sites.martyrs_total": ("共 {n} 位", "{n} in all"),
    "public_sites.martyrs_range": ("第 {start}–{end} 位，共 {total} 位", "{start}–{end} of {total}"),
    "public_sites.martyrs_pages": ("烈士名录分页", "Pages of the martyr list"),
    "public_sites.nearby": ("附近的纪念设施和陵园", "Nearby memorials and cemeteries"),
    "public_sites.nearby_none": (
        "{distance}内没有其他纪念设施或陵园。",
        "No other memorial or cemetery within {distance}.",
    ),
    "public_sites.nearby_note": ("直线距离", "Straight-line distance"),
    "public_sites.distance": ("距此 {distance}", "{distance} away"),
    # the tribute block (web/templates/public/site_tribute.html, web/static/tribute.js)
    "public_sites.tribute.intro": (
        "献一束花、点一支烛，或写下寄语，寄托对烈士的缅怀。",
        "Lay flowers, light a candle or leave a message in remembrance.",
    ),
    "public_sites.tribute.for_martyr": ("向{name}烈士致敬", "Pay tribute to {name}"),
    "public_sites.tribute.tally": ("缅怀统计", "Tributes so far"),
    "public_sites.tribute.thanks_flower": (
        "已献上一束花，谢谢您的缅怀。",
        "Flowers laid. Thank you for remembering.",
    ),
    "public_sites.tribute.thanks_candle": (
        "已点亮一支烛，谢谢您的缅怀。",
        "Candle lit. Thank you for remembering.",
    ),
    "public_sites.tribute.write": ("写下寄语", "Leave a message"),
    "public_sites.tribute.chars_left": ("还可输入 {n} 字", "{n} characters left"),
}
