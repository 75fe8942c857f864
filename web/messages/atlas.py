"""Labels of the atlas pages: the overview map ``/`` (title, legend, search, who is signed in, popup links)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "atlas.title": ("服务站与烈士纪念设施分布图", "Service stations and martyr memorial sites"),
    "atlas.legend.toggle": ("图层与图例", "Layers and legend"),
    "atlas.legend.cluster": ("聚合", "Cluster"),
    "atlas.legend.note": (
        "圆圈中的数字是该处的点位数，各图层的圆圈分别位于点位的不同一角；点击圆圈或放大地图可看到单个点位。",
        "A circle's number counts the sites there; each layer's circles sit in their own corner of the place."
        " Click a circle or zoom in to see single sites.",
    ),
    "atlas.legend.upkeep": ("纪念设施、陵园、墓的养护状况", "Upkeep of memorials, cemeteries and graves"),
    "atlas.legend.boundaries": ("县级行政区界线", "County boundaries"),
    "atlas.search.label": ("查找地点或点位", "Find a place or site"),
    "atlas.search.placeholder": ("名称、拼音或首字母", "Name, pinyin or initials"),
    "atlas.search.submit": ("查找", "Search"),
    "atlas.search.results": ("查找结果", "Search results"),
    "atlas.account.label": ("账户", "Account"),
    "atlas.account.login": ("登录", "Sign in"),
    "atlas.account.workbench": ("工作台", "Workbench"),
    "atlas.account.signed_in": ("当前用户", "Signed in"),
    "atlas.account.menu": ("账户菜单：", "Account menu: "),
    "atlas.site_page": ("查看详情", "Site page"),
    "atlas.edit": ("编辑", "Edit"),
    "atlas.upkeep": ("养护", "Upkeep"),
    "atlas.searching": ("正在查找…", "Searching…"),
    "atlas.none": ("没有找到“{q}”。", "Nothing found for “{q}”."),
    "atlas.failed": (
        "暂时无法查找，请稍后再试。",
        "The search is not available right now; please try again.",
    ),
    "atlas.need_word": (
        "请输入名称中的汉字、拼音或首字母。",
        "Type part of a name in Chinese characters, pinyin or initials.",
    ),
    "atlas.found": (
        "找到 {n} 个结果，可用上下方向键选择。",
        "{n} results; choose with the up and down arrow keys.",
    ),
    "atlas.area": ("行政区", "Area"),
    "atlas.all_results": ("在查找页查看全部结果", "All results on the search page"),
    "atlas.coverage_mine": ("本区域覆盖率", "Coverage of my area"),
    "atlas.coverage_all": ("覆盖率地图", "Coverage map"),
}
