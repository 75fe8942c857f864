"""The disposition of scattered graves (散葬烈士墓): repaired in place, moved into a cemetery, or under care.

- ``in_place``: repaired where it lies.
- ``moved``: moved into a cemetery; ``moved_to_grave_id`` names the grave it became there (a grave of
  kind ``in_cemetery``). The old grave keeps its record, so the link old → new stays; the new grave lists
  the graves that were moved to it (``moved_from``).
- ``care_agreement``: kept under a care agreement (管护协议) with a village committee or the relatives
  (``care_party``), naming the custodian, the responsible cadre and the date of the agreement.

Only scattered graves have a disposition. These rules are checked here, before the database's constraints,
so a refusal says what is wrong in words: on create, and on an update that touches the disposition or what it
rests on (so a record loaded before these rules, say a care agreement without its date, can still have its
notes fixed).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

from geo.atlas.site_fields import GraveFields
from geo.errors import InvalidInput

CARE_AGREEMENT_FIELDS = ("care_party", "custodian_name", "responsible_cadre", "care_agreed_on")
"""What a care agreement must name."""

DISPOSITION_FIELDS = frozenset(
    {"kind", "cemetery_id", "disposition", "moved_to_grave_id", "custodian_phone", *CARE_AGREEMENT_FIELDS}
)
"""The fields whose change makes an update check the disposition rules."""


def _check_move_target(conn: Connection, target_id: int) -> None:
    kind = conn.execute(
        text("SELECT kind FROM graves WHERE id = :id FOR SHARE"), {"id": target_id}
    ).scalar_one_or_none()
    if kind is None:
        raise InvalidInput(f"moved_to_grave_id: there is no grave with id {target_id}")
    if kind != "in_cemetery":
        raise InvalidInput(
            f"moved_to_grave_id: grave {target_id} is {kind}; a grave is moved into a cemetery, so the link "
            "must name its new grave there (kind 'in_cemetery')"
        )


def moved_from(conn: Connection, grave_id: int) -> list[int]:
    """Ids of the scattered graves that were moved to this grave, in id order."""
    rows = conn.execute(
        text("SELECT id FROM graves WHERE moved_to_grave_id = :id ORDER BY id"), {"id": grave_id}
    )
    return [r.id for r in rows]


def check_grave(
    conn: Connection, fields: GraveFields, grave_id: int | None, changed: Iterable[str] | None = None
) -> None:
    """Refuse (InvalidInput) a disposition against the rules; ``changed``: fields updated (None: all)."""
    if changed is not None and not DISPOSITION_FIELDS & set(changed):
        return
    if fields.disposition is not None and fields.kind != "scattered":
        raise InvalidInput(
            f"disposition: only a scattered grave has a disposition; this grave is {fields.kind} "
            "(leave disposition empty)"
        )
    if fields.disposition == "moved" and fields.moved_to_grave_id is not None:
        _check_move_target(conn, fields.moved_to_grave_id)
    if fields.disposition == "care_agreement":
        missing = [name for name in CARE_AGREEMENT_FIELDS if getattr(fields, name) in (None, "")]
        if missing:
            raise InvalidInput(f"a care agreement needs {', '.join(missing)}")
    if grave_id is not None and fields.kind != "in_cemetery":
        sources = moved_from(conn, grave_id)
        if sources:
            raise InvalidInput(
                f"kind: graves {', '.join(map(str, sources))} were moved to this grave in a cemetery; "
                "it stays 'in_cemetery' while they link to it"
            )
