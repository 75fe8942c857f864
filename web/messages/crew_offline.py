"""The catalogue's entries of the crews' offline app (issue 21: service worker, area data, data as of): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "crew_offline.as_of": ("数据更新于 {time}", "Data as of {time}"),
    "crew_offline.offline_page": ("离线：显示的是 {time} 的数据", "Offline: showing data of {time}"),
    "crew_offline.offline": ("离线：显示的是本机保存的数据", "Offline: showing the data kept on this phone"),
    "crew_offline.saving": ("正在保存离线数据 {done}/{total}", "Saving for offline use {done}/{total}"),
    "crew_offline.saved_partly": (
        "数据更新于 {time}（{failed} 页未能保存）",
        "Data as of {time} ({failed} pages not kept)",
    ),
    "crew_offline.reload": ("已恢复网络：刷新本页可看最新数据", "Back online: reload for the latest data"),
    "crew_offline.no_storage": ("此浏览器不能保存离线数据", "This browser cannot keep data offline"),
    "crew_offline.today": ("今天 {time}", "today {time}"),
    "crew_offline.not_kept_title": ("此页未保存在本机", "Page not kept on this phone"),
    "crew_offline.not_kept": (
        "没有网络，此页也没有保存在本机。辖区内的地点和任务列表在有网络时会自动保存，可以离线打开。",
        "No signal, and this page is not kept on this phone. The sites of your area and the task list are "
        "kept automatically while there is signal, and open offline.",
    ),
    "crew_offline.truncated": (
        "辖区地点太多，只保存了最需要巡查的 {n} 处",
        "Too many sites in the area: only the {n} most due are kept",
    ),
}
