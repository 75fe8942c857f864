"""The catalogue's entries of the OGC API's refusals (editing features, Part 4): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "error.ogc.not_editable": (
        "{collection} 不能在此编辑；可编辑的集合：{editable}",
        "{collection} cannot be edited here; editable collections: {editable}",
    ),
    "error.ogc.geometry_not_point": (
        "geometry 须为 GeoJSON Point（点位是一个点），收到的是 {found}",
        "geometry must be a GeoJSON Point (a site is a point), got {found}",
    ),
    "error.ogc.geometry_coordinates": (
        "geometry 的坐标须为两个（或三个）有限数值",
        "geometry coordinates must be two (or three) finite numbers",
    ),
    "error.ogc.geometry_range": (
        "geometry 的坐标超出 {crs} 的有效范围（{bounds}）",
        "geometry coordinates outside the valid range of {crs} ({bounds})",
    ),
    "error.ogc.not_a_feature": (
        "请求体须为 GeoJSON Feature 对象",
        "the body must be a GeoJSON Feature object",
    ),
    "error.ogc.not_a_feature_type": (
        "请求体须为 GeoJSON Feature，收到的 type 是 {found}",
        "the body must be a GeoJSON Feature, got type {found}",
    ),
    "error.ogc.geometry_required": (
        "点位须有坐标：缺少 geometry",
        "a site needs its point: geometry is required",
    ),
    "error.ogc.properties_not_object": ("properties 须为对象", "properties must be an object"),
    "error.ogc.unknown_property": (
        "{collection} 没有属性“{name}”",
        "unknown property {name!r} of {collection}",
    ),
    "error.ogc.polygon_text": (
        "{name} 须为 GeoJSON Polygon 或 MultiPolygon",
        "{name} must be a GeoJSON Polygon or MultiPolygon",
    ),
    "error.ogc.bad_version": ("version 须为正整数", "version must be a positive integer"),
    "error.ogc.body_not_json": (
        "请求体不是 JSON：请发送 GeoJSON Feature",
        "the body is not JSON: send a GeoJSON Feature",
    ),
}
