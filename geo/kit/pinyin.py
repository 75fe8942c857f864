"""Pinyin of names for the public search: full pinyin and initials, lowercase ASCII, no tones, no spaces.

``东沟烈士陵园`` → ``donggoulieshilingyuan`` / ``dglsly``. The readings come from pypinyin (its phrase
dictionary picks the common reading of a polyphone in context: 重庆 → chongqing). pypinyin has no surname
style, so a person's name goes through a small table of surnames read otherwise than their common reading
(单 shan, 曾 zeng, 解 xie, 区 ou, 仇 qiu, 查 zha, 朴 piao, 盖 ge, 覃 qin, 尉迟 yuchi, 万俟 moqi, ...).
A polyphone inside a given name keeps pypinyin's default reading: one reading per name, so a search for the
other reading misses it (documented limit). ASCII letters and digits of mixed names are kept as they are,
lowercased; punctuation and spaces are dropped.
"""

from __future__ import annotations

import re
import unicodedata

# surnames whose reading differs from the character's common reading (two-character ones first)
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "令狐": ("ling", "hu"),
    "单于": ("chan", "yu"),
    "单": ("shan",),
    "曾": ("zeng",),
    "解": ("xie",),
    "区": ("ou",),
    "仇": ("qiu",),
    "查": ("zha",),
    "朴": ("piao",),
    "盖": ("ge",),
    "覃": ("qin",),
    "召": ("shao",),
    "缪": ("miao",),
    "乐": ("yue",),
    "翟": ("zhai",),
    "种": ("chong",),
    "秘": ("bi",),
    "冼": ("xian",),
    "员": ("yun",),
    "黑": ("he",),
    "隗": ("wei",),
    "繁": ("po",),
    "句": ("gou",),
    "阚": ("kan",),
    "任": ("ren",),
    "华": ("hua",),
    "纪": ("ji",),
    "燕": ("yan",),
    "葛": ("ge",),
    "宁": ("ning",),
    "柏": ("bai",),
    "过": ("guo",),
}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ASCII_RUN = re.compile(r"[a-z0-9]+")
_ASCII_WORD = re.compile(r"^[a-z0-9]+$")


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), trimmed, inner whitespace collapsed to one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def has_cjk(text: str) -> bool:
    """True when the text holds at least one Chinese character."""
    return _CJK.search(text) is not None


def _syllables(text: str) -> list[str]:
    """Pinyin syllables of the Chinese characters and lowercased ASCII runs, in order; the rest dropped."""
    from pypinyin import Style, lazy_pinyin  # here: its phrase dictionary is 55 MB of a server's memory

    out: list[str] = []
    for part in lazy_pinyin(text, style=Style.NORMAL):
        part = part.lower().replace("ü", "v")
        out.extend(_ASCII_RUN.findall(part))
    return out


def _split_surname(name: str) -> tuple[tuple[str, ...], str]:
    for surname in sorted((s for s in SURNAME_READINGS if name.startswith(s)), key=len, reverse=True):
        return SURNAME_READINGS[surname], name[len(surname) :]
    return (), name


def name_pinyin(name: str, person: bool = False) -> tuple[str, str]:
    """(pinyin, initials) of a name; ``person`` reads a leading surname by the surname table."""
    text = normalize(name)
    head: tuple[str, ...] = ()
    if person:
        head, text = _split_surname(text)
    syllables = [*head, *_syllables(text)]
    full = "".join(syllables)
    initials = "".join(s if s.isdigit() else s[0] for s in syllables)
    return full, initials


def query_key(text: str) -> str | None:
    """The query as pinyin letters (lowercase, spaces and apostrophes dropped) if it is ASCII only, else None."""
    compact = re.sub(r"[\s'’·\-]+", "", normalize(text).lower())
    return compact if _ASCII_WORD.match(compact) else None
