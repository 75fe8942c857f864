"""The catalogue's entries of the public pages' frame, search, martyrs and shared public labels (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the public header (web/templates/public/header.html)
    "public.nav.label": ("主导航", "Main navigation"),
    "public.nav.report": ("报告问题", "Report a problem"),
    "public.nav.map": ("地图", "Map"),
    "public.skip_to_content": ("跳到正文", "Skip to the content"),
}
