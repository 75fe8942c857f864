"""The catalogue's entries of proxy tribute (代祭扫): the public request, its follow page and its staff handling (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the public form
    "proxy.title": ("代祭扫", "Proxy tribute"),
    "proxy.intro": (
        "亲属远在外地、无法亲自前来时，可委托退役军人事务局工作人员代为祭扫：清扫墓碑、敬献鲜花，并把您的寄语放在花前。完成后，您可以通过私人链接看到现场照片。",
        "If you live far away and cannot come yourself, the veterans affairs bureau can tend the grave for you: "
        "clean the stone, lay flowers and leave your message with them. When it is done you see the crew's photos "
        "at a private link.",
    ),
    "proxy.privacy": (
        "您的联系方式只供工作人员联系您，不会公开。",
        "Your contact details are only for the staff to reach you; they are never published.",
    ),
    "proxy.grave": ("祭扫的墓", "The grave"),
    "proxy.grave_of": ("{martyr}烈士之墓", "The grave of {martyr}"),
    "proxy.in_cemetery": ("位于{cemetery}", "in {cemetery}"),
    "proxy.place": ("墓位：{place}", "Plot: {place}"),
    "proxy.pick_martyr": (
        "请先在英名录中找到烈士，再在烈士页面点“代祭扫”。",
        "First find the martyr in the roll of honour, then press “Proxy tribute” on the martyr's page.",
    ),
    "proxy.to_martyrs": ("查找烈士", "Find a martyr"),
    "proxy.what": ("委托事项", "What to do"),
    "proxy.clean_stone": ("清扫墓碑", "Clean the stone"),
    "proxy.lay_flowers": ("敬献鲜花", "Lay flowers"),
    "proxy.when": ("希望祭扫日期", "The day you wish"),
    "proxy.when_hint": (
        "可选今天起一年内的日期。常见日子：",
        "Any day from today to a year ahead. Days often chosen:",
    ),
    "proxy.qingming": ("清明节 {day}", "Qingming {day}"),
    "proxy.martyrs_day": ("烈士纪念日 {day}", "Martyrs' Day {day}"),
    "proxy.message": ("随花寄语", "Message to lay with the flowers"),
    "proxy.message_hint": (
        "工作人员会把寄语写在卡片上放在花前（最多300字，不能含网址）。",
        "The crew writes it on a card laid with the flowers (at most 300 characters, no web addresses).",
    ),
    "proxy.about_you": ("委托人", "About you"),
    "proxy.your_name": ("您的姓名", "Your name"),
    "proxy.relation": ("与烈士的关系", "Relation to the martyr"),
    "proxy.phone": ("手机或电话", "Phone"),
    "proxy.email": ("电子邮箱", "E-mail"),
    "proxy.contact_hint": ("电话和邮箱至少填一项。", "Leave a phone number, an e-mail address or both."),
    "proxy.submit": ("提交代祭扫委托", "Send the request"),
    "proxy.fix": ("请修改标出的内容后再提交。", "Please correct what is marked and send again."),
    "proxy.link": ("代祭扫", "Proxy tribute"),
    "proxy.link_hint": ("委托工作人员代为祭扫", "Ask the bureau to tend this grave"),
    # the confirmation
    "proxy.sent.title": ("委托已收到", "Request received"),
    "proxy.sent.reference": ("委托编号", "Reference"),
    "proxy.sent.intro": (
        "工作人员会尽快处理，并可能与您联系确认。",
        "The staff will handle it soon and may contact you to confirm.",
    ),
    "proxy.sent.keep": (
        "请保存下面的私人链接：只有持有此链接的人能查看进度和完成后的照片。链接只显示这一次。",
        "Keep the private link below: only those who hold it see the progress and the photos. It is shown only "
        "this once.",
    ),
    "proxy.sent.follow": ("查看进度", "Follow the request"),
    # the follow page
    "proxy.follow.title": ("代祭扫进度", "Proxy tribute progress"),
    "proxy.follow.state": ("状态", "State"),
    "proxy.follow.received": ("已收到，等待工作人员处理", "Received, waiting for the staff"),
    "proxy.follow.planned": ("已受理，计划于 {day} 祭扫", "Accepted, planned for {day}"),
    "proxy.follow.done": ("已于 {day} 完成祭扫", "Done on {day}"),
    "proxy.follow.declined": ("未能受理", "Declined"),
    "proxy.follow.cancelled": ("已取消，工作人员会与您联系", "Cancelled; the staff will contact you"),
    "proxy.follow.reason": ("原因", "Reason"),
    "proxy.follow.wished": ("希望日期", "Day wished"),
    "proxy.follow.asked": ("委托时间", "Asked on"),
    "proxy.follow.photos": ("祭扫照片", "Photos of the tribute"),
    "proxy.follow.photo_alt": ("祭扫完成后的照片 {n}", "Photo {n} after the tribute"),
    "proxy.follow.no_photos": ("工作人员没有上传照片。", "The crew uploaded no photo."),
    "proxy.follow.not_found_title": ("找不到这个委托", "No such request"),
    "proxy.follow.not_found": (
        "这个链接不对或已失效。请检查链接是否完整复制。",
        "This link is wrong or no longer valid. Check that it was copied whole.",
    ),
    # staff
    "moderation.proxy.title": ("代祭扫委托", "Proxy tributes"),
    "moderation.proxy.empty": ("没有待处理的代祭扫委托。", "No proxy tribute request is waiting."),
    "moderation.proxy.what": ("事项", "To do"),
    "moderation.proxy.wished": ("希望日期", "Day wished"),
    "moderation.proxy.who": ("委托人", "Asked by"),
    "moderation.proxy.contact": ("联系方式", "Contact"),
    "moderation.proxy.message": ("寄语", "Message"),
    "moderation.proxy.assign": ("派给队员（可选）", "Assign to a crew member (optional)"),
    "moderation.proxy.nobody": ("暂不指派", "Nobody yet"),
    "moderation.proxy.accept": ("受理并生成工单", "Accept: make a work order"),
    "moderation.proxy.reason": ("不受理的原因（家属可见）", "Reason to decline (the family reads it)"),
    "moderation.proxy.decline": ("不受理", "Decline"),
    "moderation.proxy.accepted": (
        "{reference} 已受理，工单 #{order}。",
        "{reference} accepted: work order #{order}.",
    ),
    "moderation.proxy.declined": ("{reference} 已答复不受理。", "{reference} declined."),
    "moderation.proxy.more": ("另有 {n} 件未显示。", "{n} more not shown."),
    "work_order_kind.proxy_tribute": ("代祭扫", "Proxy tribute"),
    # refusals (geo/public/proxy_tributes.py)
    "error.proxy.grave.required": ("请说明要祭扫哪位烈士的墓。", "Say which martyr's grave to tend."),
    "error.proxy.no_martyr": ("没有编号为 {id} 的烈士记录。", "There is no martyr record {id}."),
    "error.proxy.no_grave": (
        "{name}烈士的安葬地点尚不清楚，暂时无法代祭扫。可以通过“寻亲”告诉我们您所知道的情况。",
        "Where {name} is buried is not known, so the grave cannot be tended for you yet. Tell us what you know "
        "through Family search.",
    ),
    "error.proxy.no_such_grave": ("没有编号为 {id} 的墓。", "There is no grave {id}."),
    "error.proxy.requester_name.required": ("请填写您的姓名。", "Enter your name."),
    "error.proxy.control": ("内容中有不可见的控制字符，请删去。", "Remove the invisible control characters."),
    "error.proxy.too_long": (
        "太长了：{length} 字，最多 {limit} 字。",
        "Too long: {length} characters, at most {limit}.",
    ),
    "error.proxy.link": ("不能包含网址或链接。", "Links and web addresses are not allowed."),
    "error.proxy.phone": (
        "“{phone}”不是电话号码：请填7到15位数字。",
        "“{phone}” is not a phone number: 7 to 15 digits.",
    ),
    "error.proxy.email": ("“{email}”不是电子邮箱地址。", "“{email}” is not an e-mail address."),
    "error.proxy.need_contact": (
        "请留下电话或电子邮箱，以便工作人员联系您。",
        "Leave a phone number or an e-mail address so that the staff can reach you.",
    ),
    "error.proxy.no_task": (
        "请至少选择一项：清扫墓碑或敬献鲜花。",
        "Choose at least one: clean the stone or lay flowers.",
    ),
    "error.proxy.wished_on.required": ("请选择希望祭扫的日期。", "Choose the day you wish."),
    "error.proxy.wished_on.format": (
        "日期格式不对，请按 年-月-日 填写。",
        "Not a date: write it as YYYY-MM-DD.",
    ),
    "error.proxy.wished_on.past": (
        "{day} 已经过去了，请选择今天或以后的日期。",
        "{day} has passed: choose today or a later day.",
    ),
    "error.proxy.wished_on.too_far": (
        "只能预约一年以内的日期（最晚 {last}）。",
        "Choose a day within a year (at the latest {last}).",
    ),
    "error.proxy.too_many": (
        "同一网络一天最多提交 {limit} 件代祭扫委托，工作人员会处理您已提交的委托。",
        "At most {limit} proxy tribute requests a day from one place; the staff will handle those you sent.",
    ),
    "error.proxy.photo_not_found": ("没有这张照片。", "No such photo."),
    "error.proxy.not_found": ("没有编号为 {id} 的代祭扫委托。", "There is no proxy tribute request {id}."),
    "error.proxy.handled": ("委托 {id} 已经处理过了。", "Request {id} was already handled."),
    "error.proxy.reason_required": ("请写明不受理的原因，家属会看到。", "Say why; the family reads it."),
}
