"""axe-core (from npm) run inside a test's page: the WCAG 2 A and AA rules a page breaks, as readable lines.

The script is evaluated through the browser's debugging protocol, so the page's Content-Security-Policy (which
refuses any script without the page's nonce) does not stop it and the page itself is left as served.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_RUN = """async ([tags, exclude]) => {
    // let every finite transition end first (a popup fading in has, for a moment, too little contrast)
    await Promise.all(document.getAnimations()
        .filter((a) => a.playState === "running" && Number.isFinite(a.effect?.getComputedTiming().endTime))
        .map((a) => a.finished.catch(() => null)));
    const result = await axe.run({include: [document], exclude: exclude.map((s) => [s])},
                                 {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
    return result.violations.map((v) => v.id + " (" + v.impact + "): " + v.help + " — "
        + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""


def axe_violations(page: Page, exclude: tuple[str, ...] = (), tags: tuple[str, ...] = WCAG_AA) -> list[str]:
    """The WCAG rules the page breaks (rule, impact, help and up to three elements), outside ``exclude``, once
    the page's finite animations and transitions have ended."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;true")
    return page.evaluate(_RUN, [list(tags), list(exclude)])
