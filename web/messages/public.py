"""The catalogue's entries of the public pages' frame, search, martyrs and shared public labels (issue 22): key -> (zh, en)."""

MESSAGES: dict[str, tuple[str, str]] = {
    # the public header (web/templates/public/header.html)
    "public.nav.label": ("主导航", "Main navigation"),
    "public.nav.search": ("搜索", "Search"),
    "public.nav.report": ("报告问题", "Report a problem"),
    "public.nav.map": ("地图", "Map"),
    "public.skip_to_content": ("跳到正文", "Skip to the content"),
    # refusals of the public search (geo/public/search.py, api/routes/public/pages.py and search.py)
    "error.public.no_record": (
        "没有编号为 {id} 的公开记录。",
        "There is no public record with the number {id}.",
    ),
    "error.search.nul": ("搜索内容含有无法识别的字符。", "The search holds a character that cannot be read."),
    "error.search.too_long": (
        "搜索内容过长：{n} 个字，最多 {max} 个。",
        "The search is {n} characters long; at most {max}.",
    ),
    "error.search.no_word": (
        "“{value}”中没有可搜索的文字：请输入汉字、拼音或数字。",
        "“{value}” holds no letter, digit or Chinese character to search for.",
    ),
    "error.search.limit": ("每页条数须在 1 到 {max} 之间。", "The page size must be between 1 and {max}."),
    "error.search.offset": (
        "翻页超出范围(最多 {max} 条)，请缩小搜索范围。",
        "That page is beyond the first {max} results: narrow the search instead.",
    ),
    "error.search.kind": ("没有“{value}”这种类型。", "There is no type “{value}”."),
    "error.search.protection_level": (
        "没有“{value}”这种保护级别。",
        "There is no protection level “{value}”.",
    ),
    "error.search.near": (
        "位置应写作“经度,纬度”(如 110.79,32.63)，而不是“{value}”。",
        "A position must be lon,lat in degrees (WGS-84), e.g. 110.79,32.63; not “{value}”.",
    ),
    "error.search.near_range": (
        "“{value}”不是地球上的位置：经度 -180 至 180，纬度 -90 至 90。",
        "“{value}” is not a position on Earth: longitude -180 to 180, latitude -90 to 90.",
    ),
    "error.search.nothing": (
        "请输入名称、拼音，或选择一个筛选条件。",
        "Give a name, pinyin or a filter.",
    ),
    "error.search.year": (
        "年份 {value} 不在 {min} 到 {max} 之间。",
        "{value} is not a year between {min} and {max}.",
    ),
    "error.search.year_order": (
        "起始年份 {start} 晚于截止年份 {end}。",
        "The first year {start} is after the last year {end}.",
    ),
    "error.search.death_year": (
        "牺牲年份应为四位数年份，如 1938，而不是“{value}”。",
        "The year of death must be a year such as 1938, not “{value}”.",
    ),
    "error.search.suggest_kind": (
        "只能提示纪念设施或烈士，不能提示“{value}”。",
        "Suggestions are of sites or martyrs, not “{value}”.",
    ),
    # refusals of tributes (geo/public/tributes.py)
    "error.tribute.control": ("文字中含有不可见的控制字符。", "The text holds invisible control characters."),
    "error.tribute.too_long": (
        "文字过长：{n} 个字，最多 {max} 个。",
        "The text is too long: {n} characters, at most {max}.",
    ),
    "error.tribute.target": ("无法对“{value}”献花或留言。", "Tributes cannot be left on “{value}”."),
    "error.tribute.kind": ("没有“{value}”这种缅怀方式。", "There is no tribute of the kind “{value}”."),
    "error.tribute.target_id": ("缅怀对象的编号无效。", "The record to honour is not a valid number."),
    "error.tribute.no_message": (
        "请写下留言(1 到 {max} 个字)。",
        "A message tribute needs a message (1 to {max} characters).",
    ),
    "error.tribute.link": ("留言中不能包含链接或网址。", "Messages may not contain links or web addresses."),
    "error.tribute.message_not_allowed": (
        "献花和点烛不带留言；请单独写留言。",
        "A flower or candle carries no message: write a message on its own.",
    ),
    "error.tribute.author_link": (
        "署名中不能包含链接或网址。",
        "The name you sign with may not contain links or web addresses.",
    ),
    "error.tribute.no_target": (
        "没有编号为 {id} 的记录可供缅怀。",
        "There is no {target} record with id {id}.",
    ),
    "error.tribute.too_many_here": (
        "对这一页的缅怀过多：每小时最多 {limit} 次，请稍后再试。",
        "Too many tributes for this page: at most {limit} an hour. Please try again later.",
    ),
    "error.tribute.too_many": (
        "缅怀次数过多(所有页面合计)：每小时最多 {limit} 次，请稍后再试。",
        "Too many tributes: at most {limit} an hour. Please try again later.",
    ),
    "error.tribute.decision": (
        "审核结果只能是“通过”或“不通过”。",
        "A decision is either approved or rejected.",
    ),
    "error.tribute.not_found": ("没有编号为 {id} 的留言。", "There is no tribute number {id}."),
    "error.tribute.decided": ("留言 {id} 已经审核过了。", "Tribute {id} is already {status}."),
    # refusals of martyr records (geo/public/martyrs.py)
    "error.martyr.not_found": ("没有编号为 {id} 的烈士记录。", "There is no martyr record number {id}."),
    "error.martyr.no_site": ("没有编号为 {id} 的安葬地记录。", "There is no {table} record with id {id}."),
    "error.martyr.name_required": (
        "请填写姓名；姓名不详的请标记为无名烈士。",
        "Give the name, or unnamed: true for an unnamed martyr.",
    ),
    "error.martyr.death_year_date": (
        "牺牲年份 {year} 与牺牲日期 {date} 不一致。",
        "The death_year {year} differs from death_date {date}.",
    ),
    "error.martyr.birth_after_death": (
        "出生年份 {birth} 晚于牺牲年份 {death}。",
        "The year of birth {birth} is after the year of death {death}.",
    ),
    "error.martyr.grave_cemetery": (
        "墓 {grave} 不在陵园 {cemetery} 内。",
        "Grave {grave} is not in cemetery {cemetery}.",
    ),
    "error.martyr.collection": (
        "烈士只能安葬于墓、陵园或镌名于纪念设施。",
        "Martyrs lie in graves or cemeteries, or are named on memorials.",
    ),
    "error.martyr.unknown_fields": (
        "这些字段不存在或不可修改：{fields}",
        "Unknown or read-only fields: {fields}",
    ),
    # the public search's area choice and suggestions (web/templates/public/search.html, public.js)
    "public.area.filter": ("筛选地区", "Filter the areas"),
    "public.area.filter_hint": ("输入县名、拼音或首字母", "Type a county's name, pinyin or initials"),
    "public.area.matches": ("{n} 个地区符合", "{n} areas match"),
    "public.suggest.sites": ("纪念设施", "Memorials and cemeteries"),
    "public.suggest.martyrs": ("烈士", "Martyrs"),
    "public.suggest.count": ("{n} 条建议，用上下键选择", "{n} suggestions: use the up and down keys"),
    "public.suggest.none": ("没有建议", "No suggestions"),
    "public.martyrs.placeholder": ("如：姓名、拼音或首字母", "e.g. a name, its pinyin or initials"),
    "public.unnamed": ("无名烈士", "Unnamed martyr"),
    "public.not_found.page": ("您要找的页面不存在。", "The page you are looking for does not exist."),
    "public.refused.generic": ("无法完成此请求。", "This request cannot be done."),
}
