"""Labels of the 寻亲 pages (key -> (zh, en)), merged into web/i18n.py's catalogue: the staff list and detail
(``/staff/family-requests``), the requester's follow-up (``/family-search/{reference}``), the confirmation of the
form, and the reasons of the family requests' domain errors (``error.family.*``)."""

_FIELDS: dict[str, tuple[str, str]] = {
    "martyr_name": ("烈士姓名", "the martyr's name"),
    "requester_name": ("您的姓名", "your name"),
    "hometown": ("籍贯", "the hometown"),
    "unit": ("生前部队", "the unit"),
    "details": ("其他情况", "what else you know"),
    "relation": ("与烈士关系", "the relation to the martyr"),
    "contact_phone": ("电话", "the phone number"),
    "contact_email": ("电子邮箱", "the e-mail address"),
    "staff_note": ("工作备注", "the staff note"),
    "public_note": ("公开备注", "the public note"),
    "internal_note": ("内部备注", "the internal note"),
}
"""The fields of a request as the reasons of their refusals name them (the English keeps the field's API name)."""

_FIELD_REASONS: dict[str, tuple[str, str]] = {
    **{
        f"error.family.{f}.required": (f"请填写{zh}", f"{f} is required: fill in {en}")
        for f, (zh, en) in _FIELDS.items()
    },
    **{
        f"error.family.{f}.too_long": (
            f"{zh}最多 {{limit}} 个字，现有 {{length}} 个字",
            f"{f} is too long: {{length}} characters, at most {{limit}}",
        )
        for f, (zh, en) in _FIELDS.items()
    },
    **{
        f"error.family.{f}.control": (f"{zh}含有控制字符，请删去", f"{f} must not contain control characters")
        for f, (zh, en) in _FIELDS.items()
    },
}

MESSAGES: dict[str, tuple[str, str]] = {
    **_FIELD_REASONS,
    # statuses as people say them (stored: new, in_progress, found, closed)
    "family.status.new": ("已收到", "Received"),
    "family.status.in_progress": ("查找中", "Searching"),
    "family.status.found": ("已找到", "Matched"),
    "family.status.closed": ("已结束", "Closed"),
    "family.status.new.public": (
        "我们已收到您的登记，工作人员会尽快核对。",
        "We have your request; staff will look at it soon.",
    ),
    "family.status.in_progress.public": (
        "工作人员正在查找烈士的安葬地和相关记录。",
        "Staff are searching for the martyr's burial place and records.",
    ),
    "family.status.found.public": (
        "工作人员找到了相关信息，会通过您留下的联系方式与您联系。",
        "Staff have found a match and will contact you by the phone or e-mail you gave.",
    ),
    "family.status.closed.public": (
        "此登记已结束。如有新的线索，欢迎重新登记。",
        "This request is closed. If you learn something new, you are welcome to file a new request.",
    ),
    # the staff list
    "family.staff.title": ("寻亲登记", "Family search requests"),
    "family.staff.intro": (
        "本辖区公众提交的寻亲登记。打开一条登记可更改状态、添加公开备注(登记人可见)和内部备注。",
        "Family search requests the public filed in your area. Open one to change its status and add notes: "
        "public ones (the requester reads them) and internal ones.",
    ),
    "family.staff.filter": ("按状态筛选", "Filter by status"),
    "family.staff.go": ("按编号打开", "Open by reference"),
    "family.staff.open": ("打开", "Open"),
    "family.staff.all": ("全部", "All"),
    "family.staff.count": ("共 {total} 条", "{total} in all"),
    "family.staff.showing": ("第 {start}–{end} 条，共 {total} 条", "{start}–{end} of {total}"),
    "family.staff.previous": ("上一页", "Previous"),
    "family.staff.next": ("下一页", "Next"),
    "family.staff.none": ("没有符合条件的寻亲登记。", "No requests match."),
    "family.staff.col.reference": ("编号", "Reference"),
    "family.staff.col.martyr": ("烈士姓名", "Martyr"),
    "family.staff.col.requester": ("登记人", "Requester"),
    "family.staff.col.area": ("所属地区", "Area"),
    "family.staff.col.status": ("状态", "Status"),
    "family.staff.col.filed": ("登记时间", "Filed"),
    "family.staff.col.updated": ("最近更新", "Last change"),
    "family.staff.no_area": ("未定(全国)", "Not known (whole atlas)"),
    "family.staff.bad_status": (
        "未知状态“{status}”：请选择 已收到、查找中、已找到 或 已结束。",
        "Unknown status “{status}”: choose Received, Searching, Matched or Closed.",
    ),
    "family.staff.bad_offset": (
        "页码不正确，已显示第一页。",
        "That page does not exist; showing the first page.",
    ),
    # the staff detail
    "family.detail.title": ("寻亲登记 {reference}", "Family search request {reference}"),
    "family.detail.back": ("返回寻亲登记列表", "Back to the requests"),
    "family.detail.not_found": (
        "没有编号为 {reference} 的寻亲登记。",
        "There is no family search request {reference}.",
    ),
    "family.detail.outside": (
        "寻亲登记 {reference} 不在您的辖区内。",
        "Family search request {reference} is outside your area.",
    ),
    "family.detail.about_martyr": ("烈士信息", "About the martyr"),
    "family.detail.martyr_name": ("烈士姓名", "Martyr's name"),
    "family.detail.record": ("英名录记录", "Record in the roll of honour"),
    "family.detail.hometown": ("籍贯", "Hometown"),
    "family.detail.unit": ("生前部队", "Unit"),
    "family.detail.death_year": ("牺牲年份", "Year of death"),
    "family.detail.details": ("其他情况", "What else they know"),
    "family.detail.about_requester": ("登记人", "The requester"),
    "family.detail.requester_name": ("姓名", "Name"),
    "family.detail.relation": ("与烈士关系", "Relation to the martyr"),
    "family.detail.phone": ("电话", "Phone"),
    "family.detail.email": ("电子邮箱", "E-mail"),
    "family.detail.contact_private": (
        "联系方式仅供工作人员联系登记人，请勿写入公开备注。",
        "Contact details are for staff to reach the requester: never put them in a public note.",
    ),
    "family.detail.handling": ("处理情况", "Handling"),
    "family.detail.status": ("状态", "Status"),
    "family.detail.area": ("所属地区", "Area"),
    "family.detail.filed": ("登记时间", "Filed"),
    "family.detail.updated": ("最近更新", "Last change"),
    "family.detail.version": ("版本", "Version"),
    "family.detail.follow_up": ("登记人查询", "Requester's follow-up"),
    "family.detail.follow_up.yes": (
        "登记人可凭编号和查询码查看状态和公开备注。",
        "The requester can see the status and public notes with the reference and their code.",
    ),
    "family.detail.follow_up.no": (
        "此登记提交时没有查询码：请通过电话或电子邮箱告知登记人进展。",
        "This request was filed without a follow-up code: tell the requester by phone or e-mail.",
    ),
    "family.detail.reissue": ("生成新查询码", "Issue a new follow-up code"),
    "family.detail.reissue.hint": (
        "登记人遗失查询码，或登记时没有查询码时使用。旧查询码随即失效；新查询码只在此显示一次，请通过电话或电子邮箱告知登记人。",
        "When the requester lost their code, or was given none. The old code stops working; the new one is shown "
        "here only once: tell it to the requester by phone or e-mail.",
    ),
    "family.detail.reissued": (
        "新查询码：{code}(只显示这一次)。请告知登记人：在 {url} 输入此查询码即可查看进度。",
        "New follow-up code: {code} (shown only this once). Tell the requester to enter it at {url} to see the "
        "progress.",
    ),
    "family.detail.staff_note": ("工作备注(旧)", "Staff note (earlier)"),
    "family.detail.notes": ("备注记录", "Notes"),
    "family.detail.no_notes": ("暂无备注。", "No notes yet."),
    "family.detail.note.public": ("公开", "Public"),
    "family.detail.note.internal": ("内部", "Internal"),
    "family.detail.note.by": ("{author} · {when}", "{author} · {when}"),
    "family.detail.update": ("更新状态与备注", "Update the status and add notes"),
    "family.detail.new_status": ("状态", "Status"),
    "family.detail.public_note": ("公开备注(登记人可见)", "Public note (the requester reads it)"),
    "family.detail.public_note.hint": (
        "登记人凭编号和查询码可看到此备注；请勿写入他人的电话、住址等个人信息。",
        "The requester reads this with their reference and code; write no one's phone, address or other "
        "personal details in it.",
    ),
    "family.detail.internal_note": ("内部备注(仅工作人员可见)", "Internal note (staff only)"),
    "family.detail.save": ("保存", "Save"),
    "family.detail.saving": ("正在保存…", "Saving…"),
    "family.detail.saved": ("已保存(第 {version} 版)。", "Saved (version {version})."),
    "family.detail.nothing": (
        "请更改状态或填写备注后再保存。",
        "Change the status or write a note, then save.",
    ),
    "family.detail.too_long": (
        "备注最多 {limit} 字，现为 {length} 字。",
        "A note is at most {limit} characters; this one has {length}.",
    ),
    "family.detail.stale": (
        "保存前此登记已被他人修改(现为“{status}”，第 {version} 版)。页面已更新为最新内容，您填写的备注仍保留，请核对后再保存。",
        "Someone changed this request before you saved (now “{status}”, version {version}). The latest state is "
        "shown on the page now; your notes are kept: check them and save again.",
    ),
    "family.detail.failed": ("未能保存：", "Not saved:"),
    "family.detail.offline": (
        "无法连接服务器，未保存，请稍后再试。",
        "The server cannot be reached: nothing was saved; try again later.",
    ),
    "family.detail.read_only": (
        "您的角色只能查看寻亲登记，不能更新。",
        "Your role may read family search requests but not update them.",
    ),
    # the requester's follow-up (public)
    "family.follow.title": ("查询寻亲进度", "Follow your family search request"),
    "family.follow.intro": (
        "请输入提交登记 {reference} 时获得的查询码。",
        "Enter the follow-up code you were given when you sent request {reference}.",
    ),
    "family.follow.privacy": (
        "为保护您的隐私，只有输入正确的查询码才能看到进度。",
        "To protect your privacy, the progress is shown only with the right code.",
    ),
    "family.follow.code": ("查询码", "Follow-up code"),
    "family.follow.code_hint": (
        "8 位字母和数字，例如 K7MQ-2PXR，不区分大小写。",
        "8 letters and digits, such as K7MQ-2PXR; upper or lower case.",
    ),
    "family.follow.submit": ("查询进度", "Show the progress"),
    "family.follow.wrong": (
        "编号和查询码不匹配。请核对您保存的登记编号和查询码后再试。",
        "The reference and the follow-up code do not match. Check the reference and code you kept and try again.",
    ),
    "family.follow.empty": ("请输入查询码。", "Enter your follow-up code."),
    "family.follow.lost": (
        "遗失查询码？工作人员可为您生成新的查询码，并通过您登记时留下的电话或电子邮箱告知您。",
        "Lost the code? Staff can give you a new one and tell you by the phone or e-mail you gave.",
    ),
    "family.follow.not_reference": (
        "“{reference}”不是寻亲登记编号。编号形如 XQ-000002。",
        "“{reference}” is not a family search reference. A reference looks like XQ-000002.",
    ),
    "family.follow.reference": ("登记编号", "Reference"),
    "family.follow.martyr": ("烈士姓名", "Martyr"),
    "family.follow.status": ("当前状态", "Status"),
    "family.follow.filed": ("登记时间", "Filed on"),
    "family.follow.updated": ("最近更新", "Last change"),
    "family.follow.notes": ("工作人员的答复", "Replies from staff"),
    "family.follow.no_notes": ("暂无答复。", "No replies yet."),
    "family.follow.again": ("重新查询", "Check again"),
    "family.follow.new_request": ("提交新的寻亲登记", "File a new request"),
    # the confirmation of the form (/family-search)
    "family.sent.title": ("登记已提交", "Your request is sent"),
    "family.sent.reference": ("登记编号", "Reference"),
    "family.sent.code": ("查询码", "Follow-up code"),
    "family.sent.keep": (
        "请抄下或截图保存登记编号和查询码。查询码只显示这一次，无法找回。",
        "Write down or take a screenshot of the reference and the code. The code is shown only this once and "
        "cannot be recovered.",
    ),
    "family.sent.follow": ("查询进度请打开：", "To follow your request, open:"),
    "family.sent.bring": (
        "查询时需要：登记编号和查询码。工作人员也会通过您留下的电话或电子邮箱与您联系。",
        "You will need the reference and the code. Staff will also contact you by the phone or e-mail you gave.",
    ),
    # reasons of the family requests' domain errors (geo/public/family_requests.py)
    "error.family.phone": (
        "“{phone}”不是电话号码：应为 7 到 15 位数字(可带开头的 +、空格、连字符或括号)，例如 13800138000 或 0719-8123456",
        "contact_phone '{phone}' is not a phone number: 7 to 15 digits (a leading + and spaces, hyphens or brackets "
        "allowed), e.g. 13800138000 or 0719-8123456",
    ),
    "error.family.email": (
        "“{email}”不是电子邮箱地址，例如 name@example.cn",
        "contact_email '{email}' is not an e-mail address, e.g. name@example.cn",
    ),
    "error.family.need_contact": (
        "请留下电话或电子邮箱，以便工作人员与您联系",
        "leave a phone number or an e-mail address so that staff can reach you",
    ),
    "error.family.death_year": (
        "牺牲年份 {year} 不合理(应在 {min}–{max} 之间)",
        "death_year {year} is not a plausible year ({min}-{max})",
    ),
    "error.family.no_martyr": (
        "没有编号为 {id} 的烈士记录",
        "martyr_id {id}: there is no martyr record with that id",
    ),
    "error.family.no_area": ("没有代码为 {code} 的地区", "hometown_area_code '{code}': no such area"),
    "error.family.too_many_a_day": (
        "同一地点每天最多提交 {limit} 条寻亲登记；工作人员会答复您已提交的登记",
        "at most {limit} family-search requests a day from one place; staff will answer the ones you sent",
    ),
    "error.family.not_found": ("没有编号为 {id} 的寻亲登记", "there is no family search request {id}"),
    "error.family.unknown_status": (
        "未知状态“{status}”：可选 已收到、查找中、已找到、已结束",
        "unknown status “{status}”: choose Received, Searching, Matched or Closed",
    ),
    "error.family.unknown_change": (
        "只能更改状态、工作备注和添加备注",
        "only the status, the staff note and notes can be changed",
    ),
    "error.family.nothing_to_change": ("请更改状态或填写备注", "change the status or write a note"),
    "error.family.version_required": (
        "请带上您读取的版本号(If-Match 或 version)",
        "send the version you read (If-Match or a version field)",
    ),
    "error.family.stale": (
        "此登记已是第 {version} 版，不是您读取的第 {given} 版：有人刚修改过，请核对最新内容后重试",
        "the request is at version {version}, not {given}: someone changed it since you read it; check the "
        "latest state and try again",
    ),
    "error.family.follow_up.too_many": (
        "查询码输错次数过多，请 {minutes} 分钟后再试",
        "too many wrong codes: try again in {minutes} minutes",
    ),
}
