"""The import rules of DESIGN.md hold in the project (tests/import_rules.py reads every import with ``ast``), and
each rule is seen to fail on a small made-up tree that breaks it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_rules import violations

ROOT = Path(__file__).resolve().parent.parent


def test_project_keeps_its_import_rules():
    found = violations(ROOT)
    assert not found, "import rules broken:\n" + "\n".join(found)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    for package in ("geo", "api", "web", "tests"):
        for folder in [root / package, *(p for p in (root / package).rglob("*") if p.is_dir())]:
            if folder.is_dir() and not (folder / "__init__.py").exists():
                (folder / "__init__.py").write_text("", encoding="utf-8")
    return root


_CLEAN = {
    "geo/kit/shapes.py": "import shapely\n\nLIMIT = 3\n__all__ = ['LIMIT']\n\n\ndef _inner():\n    pass\n",
    "geo/atlas/sites.py": (
        "from geo.kit import shapes\nfrom geo.kit.shapes import LIMIT, __all__\n\n\n"
        "def _local():\n    return _local, shapes.LIMIT, shapes.__name__\n"
    ),
    "api/app.py": "import fastapi\n\nfrom api.routes import sites\nfrom geo.atlas.sites import LIMIT\n",
    "api/routes/sites.py": "from starlette.responses import Response\n\nfrom web.pages import page\n",
    "web/pages.py": "from geo.atlas import sites\n\n\ndef page():\n    return sites\n",
    "main.py": "from api.app import fastapi\n",
    "tests/factories.py": "def _helper():\n    pass\n",
    "tests/test_sites.py": "from geo.kit.shapes import _inner\nfrom tests.factories import _helper\n",
}


def test_a_tree_that_keeps_the_rules_has_no_violation(tmp_path: Path):
    assert violations(_tree(tmp_path, _CLEAN)) == []


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(  # a cycle hidden by an import inside a function, and a relative import
            {
                "geo/importing/load.py": "def load():\n    from geo.importing.martyrs import rows\n",
                "geo/importing/martyrs.py": "from . import load\n\nrows = 1\n",
            },
            "import cycle: geo.importing.load ↔ geo.importing.martyrs",
            id="cycle",
        ),
        pytest.param(
            {
                "geo/a.py": "from geo import b\n",
                "geo/b.py": "import geo.c\n",
                "geo/c.py": "from .a import X\nX = 1\n",
            },
            "import cycle: geo.a ↔ geo.b ↔ geo.c",
            id="cycle of three",
        ),
        pytest.param(
            {"geo/atlas/sites.py": "def route():\n    import fastapi.responses\n"},
            "geo.atlas.sites imports fastapi.responses (line 2): geo/ never imports fastapi",
            id="geo imports fastapi",
        ),
        pytest.param(
            {"geo/atlas/sites.py": "from starlette.requests import Request\n"},
            "geo.atlas.sites imports starlette.requests.Request (line 1): geo/ never imports starlette",
            id="geo imports starlette",
        ),
        pytest.param(
            {"geo/atlas/sites.py": "from api.errors import error_status\n", "api/errors.py": ""},
            "geo.atlas.sites imports api.errors.error_status (line 1): geo/ never imports api",
            id="geo imports api",
        ),
        pytest.param(
            {"geo/atlas/sites.py": "import web.pages\n", "web/pages.py": ""},
            "geo.atlas.sites imports web.pages (line 1): geo/ never imports web",
            id="geo imports web",
        ),
        pytest.param(
            {"web/atlas/map.py": "\n\ndef build():\n    from api import deps\n", "api/deps.py": ""},
            "web.atlas.map imports api.deps (line 4): web/ never imports api/",
            id="web imports api",
        ),
        pytest.param(
            {"geo/public/reports.py": "from geo.upkeep.orders import _history\n", "geo/upkeep/orders.py": ""},
            "geo.public.reports imports the private _history from geo.upkeep.orders (line 1)",
            id="private name imported",
        ),
        pytest.param(
            {"api/routes/x.py": "from ..errors import _status_for\n", "api/errors.py": ""},
            "api.routes.x imports the private _status_for from api.errors (line 1)",
            id="private name imported relatively",
        ),
        pytest.param(
            {
                "web/pages.py": "from geo.upkeep import orders\n\nf = orders._read\n",
                "geo/upkeep/orders.py": "",
            },
            "web.pages reads the private geo.upkeep.orders._read (line 3)",
            id="private attribute of an imported module",
        ),
        pytest.param(
            {
                "main.py": "import geo.upkeep.orders\n\ngeo.upkeep.orders._read()\n",
                "geo/upkeep/orders.py": "",
            },
            "main reads the private geo.upkeep.orders._read (line 3)",
            id="private attribute by dotted name",
        ),
        pytest.param(
            {
                "tests/public/test_photos.py": "from tests.public.test_open311 import png\n",
                "tests/public/test_open311.py": "def png():\n    pass\n",
            },
            "tests.public.test_photos imports tests.public.test_open311.png (line 1) from a test module",
            id="test imports a test module",
        ),
        pytest.param(
            {
                "tests/conftest.py": "def fixture():\n    from .test_one import helper\n",
                "tests/test_one.py": "def helper():\n    pass\n",
            },
            "tests.conftest imports tests.test_one.helper (line 2) from a test module",
            id="conftest imports a test module",
        ),
    ],
)
def test_each_rule_fails_on_a_tree_that_breaks_it(tmp_path: Path, files: dict[str, str], expected: str):
    found = violations(_tree(tmp_path, {**_CLEAN, **files}))
    assert len(found) == 1 and found[0].startswith(expected), found
