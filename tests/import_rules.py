"""The project's import rules, checked by reading the source with ``ast`` (nothing is imported or run).

Every import counts: at module level, inside functions and under ``if TYPE_CHECKING:``, absolute and relative
(``from . import x``). The rules (DESIGN.md, Architecture):

- no import cycle between the modules of ``geo/``, ``api/``, ``web/``, ``bench/`` and ``main.py``;
- ``geo/`` never imports ``api/``, ``web/``, FastAPI or Starlette; ``web/`` never imports ``api/``;
- no private name (``_x``) imported from, or read as an attribute of, another project module (tests excepted);
- no test module imports from another ``test_*.py`` module: shared helpers live in conftest, factories or a
  helper module of tests/.

``violations(root)`` lists what breaks them, one sentence each naming the modules; tests/test_architecture.py
runs it over the project (and over small made-up trees, so each rule is seen to fail)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("geo", "api", "web", "bench")
"""The project's packages whose modules the rules cover (with ``main.py``)."""

SCRIPTS = ("main.py",)
"""The modules at the project's root the rules cover."""

TESTS = "tests"
"""The test package: only the rule on test modules applies to it."""

_GEO_MAY_NOT = ("api", "web", "fastapi", "starlette")


@dataclass(frozen=True)
class Import:
    """One import in a module: the module it names, the name taken from it (None for ``import x``), the local
    name it binds and its line."""

    module: str
    name: str | None
    bound: str
    line: int


def module_name(root: Path, path: Path) -> str:
    """The dotted module name of a file below ``root`` (a package's ``__init__.py`` is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_files(root: Path, packages: tuple[str, ...] = (*PACKAGES, TESTS)) -> dict[str, Path]:
    """Module name → file, for the packages and root scripts of the project at ``root``."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(root, path)] = path
    for script in SCRIPTS:
        if (root / script).is_file():
            found[module_name(root, root / script)] = root / script
    return found


def _absolute(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports_of(module: str, path: Path) -> Iterator[Import]:
    """Every import in the file of ``module`` (at any depth), relative ones made absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, None, alias.asname or alias.name.split(".")[0], node.lineno)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, is_package, node.level, node.module)
            for alias in node.names:
                yield Import(source, alias.name, alias.asname or alias.name, node.lineno)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_test_module(name: str) -> bool:
    return name.split(".")[0] == TESTS and name.rsplit(".", 1)[-1].startswith("test_")


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


class ImportGraph:
    """The project's modules and what each imports from the others."""

    def __init__(self, root: Path):
        self.files = project_files(root)
        self.imports = {m: list(imports_of(m, p)) for m, p in self.files.items()}

    def targets(self, imp: Import) -> list[str]:
        """The project modules one import runs: the named module, or the submodule a ``from`` takes."""
        found = []
        if imp.name is not None and f"{imp.module}.{imp.name}" in self.files:
            found.append(f"{imp.module}.{imp.name}")
        elif imp.module in self.files:
            found.append(imp.module)
        return found

    def edges(self, module: str) -> set[str]:
        """The project modules ``module`` imports (other than itself)."""
        return {t for imp in self.imports[module] for t in self.targets(imp)} - {module}

    def cycles(self, covered: tuple[str, ...] = (*PACKAGES, *(s[:-3] for s in SCRIPTS))) -> list[list[str]]:
        """The import cycles among the ``covered`` modules: each strongly connected group, sorted by name."""
        nodes = sorted(m for m in self.files if any(_in(m, c) for c in covered))
        graph = {m: sorted(t for t in self.edges(m) if t in nodes) for m in nodes}
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        groups: list[list[str]] = []
        for start in nodes:  # Tarjan's algorithm, iterative (no recursion limit on a deep chain)
            if start in index:
                continue
            work = [(start, iter(graph[start]))]
            index[start] = low[start] = len(index)
            stack.append(start)
            on_stack.add(start)
            while work:
                node, children = work[-1]
                child = next(children, None)
                if child is not None:
                    if child not in index:
                        index[child] = low[child] = len(index)
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, iter(graph[child])))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
        return sorted(groups)

    def private_uses(self, module: str) -> Iterator[str]:
        """Private names ``module`` takes from other project modules: ``from m import _x`` and ``m._x``."""
        aliases: dict[str, str] = {}  # a local name bound to a project module → that module
        for imp in self.imports[module]:
            if imp.name is None:  # ``import a.b.c`` binds ``a``; ``import a.b.c as m`` binds ``m`` to a.b.c
                aliases[imp.bound] = imp.module if imp.bound != imp.module.split(".")[0] else imp.bound
                continue
            for target in self.targets(imp):
                if target != imp.module:  # ``from pkg import mod`` binds a module
                    aliases[imp.bound] = target
                elif _private(imp.name) and target != module:
                    yield f"{module} imports the private {imp.name} from {target} (line {imp.line})"
        if not aliases:
            return
        tree = ast.parse(self.files[module].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _private(node.attr)):
                continue
            owner = _dotted(node.value, aliases)
            if owner is not None and owner in self.files and owner != module:
                yield f"{module} reads the private {owner}.{node.attr} (line {node.lineno})"


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The module an expression like ``alias`` or ``pkg.sub.mod`` names, through the local ``aliases``."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in aliases:
        return None
    return ".".join([aliases[node.id], *reversed(names)])


def violations(root: Path) -> list[str]:
    """Every break of the import rules in the project at ``root``, one sentence each."""
    graph = ImportGraph(root)
    found = [f"import cycle: {' ↔ '.join(group)}" for group in graph.cycles()]
    for module in sorted(graph.imports):
        for imp in graph.imports[module]:
            taken = imp.module if imp.name is None else f"{imp.module}.{imp.name}"
            top = imp.module.split(".")[0]
            if _in(module, "geo") and top in _GEO_MAY_NOT:
                found.append(f"{module} imports {taken} (line {imp.line}): geo/ never imports {top}")
            if _in(module, "web") and top == "api":
                found.append(f"{module} imports {taken} (line {imp.line}): web/ never imports api/")
            if _in(module, TESTS) and any(_is_test_module(t) for t in graph.targets(imp)):
                found.append(
                    f"{module} imports {taken} (line {imp.line}) from a test module: "
                    "shared helpers belong in conftest, factories or a helper module"
                )
        if not _in(module, TESTS):
            found.extend(graph.private_uses(module))
    return found
