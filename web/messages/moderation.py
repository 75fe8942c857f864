"""Labels of the staff moderation pages (key -> (zh, en)), merged into web/i18n.py's catalogue."""

MESSAGES: dict[str, tuple[str, str]] = {
    "moderation.title": ("审核", "Moderation"),
    "moderation.intro": (
        "群众留言、群众上报的照片和问题在这里等待处理：留言通过后显示在纪念页上；照片公开后所有人可见；"
        "上报的问题可以受理为工单、标记为重复或驳回（驳回需写公开说明）；家属的代祭扫委托可以受理（生成工单）或写明原因不受理。"
        "每项操作都记入审计日志。",
        "Messages, photos and problem reports from the public wait here: an approved message shows on the memorial's "
        "page; a published photo is visible to everyone; a report can be accepted as a work order, marked as a "
        "duplicate or rejected (with a public note); a family's proxy tribute request is accepted (as a work order) "
        "or declined with a reason the family reads. Every action is written to the audit log.",
    ),
    "moderation.sections": ("审核分类", "Queues"),
    "moderation.more": ("显示最早的 {n} 项，共 {total} 项。", "Showing the oldest {n} of {total}."),
    "moderation.refused": (
        "你的角色（{role}）不能审核留言、公开照片或分拣上报。",
        "Your role ({role}) may not moderate messages, publish photos or triage reports.",
    ),
    # tributes
    "moderation.tributes.title": ("待审留言", "Messages waiting"),
    "moderation.tributes.empty": ("没有等待审核的留言。", "No messages are waiting for moderation."),
    "moderation.tributes.by": ("留言人", "From"),
    "moderation.tributes.on": ("纪念对象", "On the page of"),
    "moderation.tributes.when": ("留言时间", "Left at"),
    "moderation.tributes.approve": ("通过并显示", "Approve and show"),
    "moderation.tributes.reject": ("不予显示", "Reject"),
    "moderation.tributes.reason": (
        "不予显示的理由（必填，仅内部记录）",
        "Reason for rejecting (required, internal)",
    ),
    "moderation.target.martyrs": ("烈士", "Martyr"),
    "moderation.target.memorials": ("纪念设施", "Memorial"),
    "moderation.target.cemeteries": ("烈士陵园", "Cemetery"),
    # photos
    "moderation.photos.title": ("待公开的上报照片", "Report photos not yet public"),
    "moderation.photos.empty": ("没有等待公开的上报照片。", "No report photos are waiting to be published."),
    "moderation.photos.alt": ("上报 {ref} 的照片", "Photo of report {ref}"),
    "moderation.photos.report": ("上报", "Report"),
    "moderation.photos.site": ("地点", "Site"),
    "moderation.photos.when": ("上传时间", "Uploaded"),
    "moderation.photos.publish": ("公开", "Publish"),
    "moderation.photos.keep": ("保持不公开", "Keep private"),
    "moderation.photos.open": ("查看原图", "Open full size"),
    # reports
    "moderation.reports.title": ("待分拣的群众上报", "Public reports in triage"),
    "moderation.reports.empty": ("没有等待分拣的群众上报。", "No public reports are waiting for triage."),
    "moderation.reports.reference": ("上报编号", "Reference"),
    "moderation.reports.category": ("问题类型", "Category"),
    "moderation.reports.site": ("地点", "Site"),
    "moderation.reports.position": ("位置（纬度, 经度）", "Position (lat, lon)"),
    "moderation.reports.when": ("上报时间", "Reported"),
    "moderation.reports.source": ("来源", "Source"),
    "moderation.reports.no_photo": ("没有照片", "No photo"),
    "moderation.reports.photo_private": ("未公开", "Not public"),
    "moderation.reports.photo_public": ("已公开", "Public"),
    "moderation.reports.public_page": ("上报人看到的页面", "The reporter's page"),
    "moderation.reports.order": ("工单", "Work order"),
    "moderation.reports.accept": ("受理为工单", "Accept as a work order"),
    "moderation.reports.duplicate_of": ("重复于", "Duplicate of"),
    "moderation.reports.choose": ("选择一个未完成的工单", "Choose an open work order"),
    "moderation.reports.no_candidates": (
        "同一地点或附近没有未完成的工单。",
        "No open work orders at this site or nearby.",
    ),
    "moderation.reports.mark_duplicate": ("标记为重复", "Mark as duplicate"),
    "moderation.reports.note": (
        "驳回的公开说明（上报人可见，必填）",
        "Public note for rejecting (the reporter reads it; required)",
    ),
    "moderation.reports.reject": ("驳回", "Reject"),
    "moderation.reports.same_site": ("同一地点", "same site"),
    "moderation.reports.metres": ("相距 {m} 米", "{m} m away"),
    "moderation.source.public": ("网页上报", "Web form"),
    "moderation.source.open311": ("Open311 接口", "Open311"),
    # the script's sentences
    "moderation.js.approved": (
        "已通过，留言现在显示在纪念页上。",
        "Approved: the message now shows on the page.",
    ),
    "moderation.js.rejected": ("已不予显示，理由已记录。", "Rejected: the reason is recorded."),
    "moderation.js.published": ("照片已公开。", "The photo is public now."),
    "moderation.js.kept_private": ("照片保持不公开。", "The photo stays private."),
    "moderation.js.accepted": ("已受理为工单 {id}。", "Accepted as work order {id}."),
    "moderation.js.duplicated": ("已标记为工单 {id} 的重复。", "Marked as a duplicate of work order {id}."),
    "moderation.js.report_rejected": (
        "已驳回，上报人会看到说明。",
        "Rejected: the reporter will read the note.",
    ),
    "moderation.js.reason_required": ("请写明不予显示的理由。", "Write why the message is rejected."),
    "moderation.js.note_required": ("请写一句给上报人的公开说明。", "Write a public note for the reporter."),
    "moderation.js.duplicate_required": (
        "请先选择它重复的工单。",
        "First choose the work order it duplicates.",
    ),
    "moderation.js.busy": ("正在处理…", "Working…"),
    "moderation.js.offline": (
        "无法连接服务器，请稍后再试。",
        "The server cannot be reached; try again shortly.",
    ),
    "moderation.js.refused": ("未能完成：", "Not done: "),
    "moderation.js.stale": (
        "这条上报刚被别人改过，请刷新页面后再操作。",
        "Someone changed this report a moment ago; reload the page and try again.",
    ),
    "moderation.js.too_long": ("文字太长了，请缩短。", "The text is too long; shorten it."),
    "error.moderation.note_required": (
        "驳回上报需要一句给上报人的公开说明。",
        "Rejecting a report needs a public note for the reporter.",
    ),
    "error.moderation.not_a_report": ("工单 {id} 不是群众上报。", "Work order {id} is not a public report."),
    "error.moderation.photo_public": (
        "这张照片已经公开；要撤回请到工单页面操作。",
        "This photo is already public; withdraw it on the work order's page.",
    ),
    "moderation.js.photo_public": ("已公开", "Public"),
    "moderation.js.tribute_decided": (
        "这条留言刚被别人审核过了，请刷新页面。",
        "Someone else moderated this message a moment ago; reload the page.",
    ),
    "moderation.js.forbidden": (
        "你无权处理这一项：它不在你的辖区，或你的角色不能做这件事。",
        "You may not act on this: it lies outside your area, or your role may not do this.",
    ),
    "moderation.js.gone": (
        "这一项已经不存在了，请刷新页面。",
        "This item no longer exists; reload the page.",
    ),
    "moderation.js.failed": (
        "服务器没有接受这个操作，请刷新页面后再试。",
        "The server did not accept this; reload the page and try again.",
    ),
    "moderation.js.stale_status": (
        "这条上报刚被别人处理过，现在的状态是“{status}”；请刷新页面。",
        "Someone handled this report a moment ago; it is now “{status}”. Reload the page.",
    ),
    "moderation.js.empty": ("这一类都处理完了。", "Everything here is done."),
}
