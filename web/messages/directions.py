"""The catalogue's entries of directions to a place (web/directions.py): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "directions.title": ("导航前往", "Directions"),
    "directions.amap": ("高德地图", "AMap"),
    "directions.baidu": ("百度地图", "Baidu Maps"),
    "directions.apple": ("苹果地图", "Apple Maps"),
    "directions.geo": ("其他地图应用", "Another map app"),
    "directions.hint": (
        "在手机上会打开已安装的地图应用，坐标已按各应用的坐标系换算。",
        "On a phone this opens the installed map app; the position is converted to each app's coordinate system.",
    ),
}
