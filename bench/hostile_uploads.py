"""Hostile uploads against the real server (issue 18): its memory, read from /proc, stays bounded.

Run from the project root:  .venv/bin/python bench/hostile_uploads.py [--before REV]  (make bench-hostile)

One run
1. makes the bench's own database (``vetmap_bench_hostile`` on the embedded cluster, made afresh: migrated, the
   county demo atlas loaded) with a national planner and a national admin, each with an API token;
2. starts the app as production does (uvicorn, one worker, ``bench.serve_ours:create_bench_app``) on 127.0.0.1;
3. warms it up (health, the Open311 services, one small report refused) and reads its resident memory at rest;
4. item 1, as reported: six anonymous Open311 reports at once, each with a pin far from any site and three
   7070 x 7070 transparent PNGs (about 190 KB each; 190 MiB each once decoded);
5. item 1, photos that are decoded: six reports at once pinned on a memorial, each with three 5000 x 5000
   transparent PNGs (95 MiB each decoded, under the decoding limit); then six staff uploads of one such PNG each
   to the memorial at once, as the admin;
6. item 3: one zipped Shapefile of about 1 MB holding a 1 GiB all-zero ``.dbf``, posted to /api/v1/imports as the
   planner;
7. prints, per phase, the answers (status and reason) and the server's resident memory: at rest before, the peak
   sampled during the phase (VmRSS every 20 ms), and the kernel's high-water mark after it (VmHWM), in MiB.

``--before REV`` first runs the same against the code of a git revision (exported with ``git archive`` to a
temporary folder, served with this checkout's interpreter and assets; the repository is not touched), then against
this checkout, and prints both side by side: e.g. ``--before 618fcb3~1`` for the code before the fixes. psutil is
not a dependency: memory comes from /proc/<pid>/status.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.features_vs_tipg import log, serve  # noqa: E402
from tests.hostile_files import MIB, blank_png, zero_zip  # noqa: E402

DATABASE = "vetmap_bench_hostile"
FAR_PIN = {"lat": "31.5", "long": "88.5"}  # in China (Tibet), far from any site (the bench database has none)
SIDE = 7070
DECODED_SIDE = 5000  # 5000 x 5000 RGBA: 95 MiB decoded, under the default limit of 128 MiB
REPORTS_AT_ONCE = 6
PHOTOS_PER_REPORT = 3
DBF_BYTES = 1024 * MIB
SAMPLE_S = 0.02


# -- memory of a process, from /proc ---------------------------------------------------------------------------


def status_mib(pid: int, field_name: str) -> float:
    """A memory line of /proc/<pid>/status (VmRSS, VmHWM) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no {field_name} in /proc/{pid}/status")


class RssSampler:
    """Samples a process's VmRSS every SAMPLE_S seconds in a thread, keeping the highest."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = status_mib(pid, "VmRSS")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, status_mib(self.pid, "VmRSS"))
            except (OSError, LookupError):  # the server died (out of memory): keep what was seen
                return
            time.sleep(SAMPLE_S)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- the phases ------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    """What one phase sent, what came back, and the server's memory around it (MiB)."""

    name: str
    rest_mib: float
    peak_mib: float = 0.0
    hwm_mib: float = 0.0
    seconds: float = 0.0
    answers: list[tuple[int, str]] = field(default_factory=list)


def _reason(response: httpx.Response) -> str:
    if response.is_success:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.text[:120]
    if isinstance(body, list) and body:
        return str(body[0].get("description", ""))
    return str(body.get("detail", body)) if isinstance(body, dict) else str(body)


def measured(pid: int, name: str, send: Callable[[], list[httpx.Response]]) -> Phase:
    """Run ``send`` while sampling the server's memory."""
    phase = Phase(name, status_mib(pid, "VmRSS"))
    started = time.monotonic()
    with RssSampler(pid) as sampler:
        try:
            responses = send()
        except httpx.HTTPError as exc:  # a server killed for memory answers nothing
            responses = []
            phase.answers.append((0, f"no answer: {type(exc).__name__}"))
    phase.seconds = time.monotonic() - started
    phase.peak_mib = sampler.peak
    try:
        phase.hwm_mib = status_mib(pid, "VmHWM")
    except (OSError, LookupError):
        phase.hwm_mib = float("nan")
    phase.answers += [(r.status_code, _reason(r)) for r in responses]
    return phase


def report_form(pin: dict[str, str] = FAR_PIN) -> dict[str, str]:
    """A valid Open311 report at ``pin`` (far from any site by default)."""
    return {"service_code": "vandalism", "description": "碑身被涂写", **pin}


def at_once(base: str, post: Callable[[httpx.Client], httpx.Response], headers: dict | None = None):
    """REPORTS_AT_ONCE clients sending ``post`` at the same moment; their answers."""
    barrier = threading.Barrier(REPORTS_AT_ONCE)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=600, headers=headers) as client:
            barrier.wait()
            return post(client)

    with ThreadPoolExecutor(REPORTS_AT_ONCE) as pool:
        return list(pool.map(one, range(REPORTS_AT_ONCE)))


def photos_at_once(base: str, photo: bytes, pin: dict[str, str] = FAR_PIN) -> list[httpx.Response]:
    """REPORTS_AT_ONCE anonymous reports at the same time, each with PHOTOS_PER_REPORT copies of ``photo``."""
    files = [("media", (f"p{i}.png", photo, "image/png")) for i in range(PHOTOS_PER_REPORT)]
    return at_once(base, lambda c: c.post("/open311/v2/requests.json", data=report_form(pin), files=files))


def staff_photos_at_once(base: str, token: str, memorial: int, photo: bytes) -> list[httpx.Response]:
    """REPORTS_AT_ONCE uploads of ``photo`` to a memorial at the same time, as the admin."""
    files = {"file": ("p.png", photo, "image/png")}
    url = f"/api/v1/memorials/{memorial}/photos"
    return at_once(base, lambda c: c.post(url, files=files), {"Authorization": f"Bearer {token}"})


def zipped_bomb(base: str, token: str, archive: bytes) -> list[httpx.Response]:
    """One zipped Shapefile import as the planner."""
    with httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {token}"}) as client:
        files = {"file": ("hostile.zip", archive, "application/zip")}
        return [client.post("/api/v1/imports", data={"collection": "stations"}, files=files)]


# -- the server and its database ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    """The bench database, the tokens of its planner and admin, and a memorial with its WGS-84 position."""

    url: object
    planner: str
    admin: str
    memorial: int
    pin: dict[str, str]


def prepare_database() -> Material:
    """The bench database made afresh (migrated, the county demo atlas), a national planner and admin."""
    from sqlalchemy import text

    from geo.accounts.audit import CLI_ACTOR
    from geo.accounts.credentials import create_api_token
    from geo.accounts.users import create_account
    from geo.database.engine import (
        database_url,
        drop_database,
        ensure_database,
        ensure_embedded_running,
        make_engine,
    )
    from geo.database.migrate import upgrade
    from geo.demo.atlas import load_demo
    from geo.settings import Settings

    settings = Settings()
    ensure_embedded_running(settings)
    url = database_url(settings, DATABASE)
    drop_database(url)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    load_demo(engine, scale="county")
    tokens = {}
    with engine.begin() as conn:
        for role in ("planner", "admin"):
            account = create_account(conn, CLI_ACTOR, f"hostile-{role}", "hostile-password-1", role, None)
            tokens[role], _ = create_api_token(conn, CLI_ACTOR, account.id, "hostile uploads bench")
        site = conn.execute(
            text("SELECT id, ST_X(geom), ST_Y(geom) FROM memorials ORDER BY id LIMIT 1")
        ).one()
    engine.dispose()
    pin = {"lat": f"{site[2]:.6f}", "long": f"{site[1]:.6f}"}
    return Material(url, tokens["planner"], tokens["admin"], site[0], pin)


def app_env(url) -> dict[str, str]:
    """The server's environment: the bench database, no basemap tiles from the internet."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETMAP_")}
    env["VETMAP_DATABASE_URL"] = url.render_as_string(hide_password=False)
    env["VETMAP_BASEMAP"] = "none"
    return env


@contextmanager
def code_of(revision: str | None) -> Iterator[Path]:
    """This checkout, or the tree of a git revision exported to a temporary folder (with this checkout's
    node_modules beside it); the repository itself is not touched."""
    if revision is None:
        yield ROOT
        return
    tree = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="vetmap-bench-code-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(tree)) as archive:
            archive.extractall(tmp, filter="data")
        if (ROOT / "node_modules").exists():
            os.symlink(ROOT / "node_modules", Path(tmp) / "node_modules")
        yield Path(tmp)


@dataclass(frozen=True)
class Files:
    """The hostile files: the reported PNG, a PNG decoded under the limit, the zip."""

    huge_png: bytes
    decoded_png: bytes
    archive: bytes


def run(label: str, cwd: Path, material: Material, files: Files) -> list[Phase]:
    """The phases against one server started from ``cwd``."""
    argv = [sys.executable, "-m", "uvicorn", "--factory", "bench.serve_ours:create_bench_app", "--workers", "1",
            "--no-access-log", "--log-level", "warning"]  # fmt: skip
    phases = [
        ("item 1: reported (far pin)", lambda base: photos_at_once(base, files.huge_png)),
        ("item 1: decoded, public", lambda base: photos_at_once(base, files.decoded_png, material.pin)),
        (
            "item 1: decoded, staff",
            lambda base: staff_photos_at_once(base, material.admin, material.memorial, files.decoded_png),
        ),
        ("item 3: zipped Shapefile", lambda base: zipped_bomb(base, material.planner, files.archive)),
    ]
    done: list[Phase] = []
    with serve(f"hostile-{label}", argv, app_env(material.url), cwd, "/healthz") as server:
        base, pid = f"http://127.0.0.1:{server.port}", server.process.pid
        with httpx.Client(base_url=base, timeout=60) as client:  # warm up: every path the phases take
            client.get("/open311/v2/services.json")
            client.post("/open311/v2/requests.json", data=report_form())
        for name, send in phases:
            log(f"{label}: {name}")
            done.append(measured(pid, name, lambda send=send: send(base)))
            if server.process.poll() is not None:
                done[-1].answers.append((0, f"the server died (exit {server.process.returncode})"))
                break
    return done


def _answers(phase: Phase) -> str:
    counts: dict[tuple[int, str], int] = {}
    for answer in phase.answers:
        counts[answer] = counts.get(answer, 0) + 1
    return "; ".join(f"{n} x {status} {reason[:90]}" for (status, reason), n in counts.items())


def print_results(results: dict[str, list[Phase]]) -> None:
    """One block per code: per phase the memory (MiB) and the answers."""
    print(
        "\nhostile uploads (issue 18): 1 uvicorn worker, 2 shared cores; memory of the server process in MiB"
    )
    for label, phases in results.items():
        print(f"\n{label}")
        print(
            f"  {'phase':<26} {'at rest before':>14} {'peak (VmRSS)':>13} {'growth':>8} {'VmHWM after':>12} {'s':>6}"
        )
        for p in phases:
            print(f"  {p.name:<26} {p.rest_mib:>14.0f} {p.peak_mib:>13.0f} {p.peak_mib - p.rest_mib:>+8.0f} "
                  f"{p.hwm_mib:>12.0f} {p.seconds:>6.1f}")  # fmt: skip
            print(f"    answers: {_answers(p)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", metavar="REV", help="also run the code of this git revision, first")
    args = parser.parse_args()
    log("making the hostile files")
    with tempfile.TemporaryDirectory(prefix="vetmap-bench-hostile-") as tmp:
        archive = zero_zip(Path(tmp) / "hostile.zip", "upload.dbf", DBF_BYTES).read_bytes()
    files = Files(blank_png(SIDE, SIDE), blank_png(DECODED_SIDE, DECODED_SIDE), archive)
    log(
        f"PNGs {len(files.huge_png) / 1024:.0f} KB and {len(files.decoded_png) / 1024:.0f} KB, zip "
        f"{len(archive) / 1024:.0f} KB; preparing {DATABASE} (the county demo)"
    )
    material = prepare_database()
    results: dict[str, list[Phase]] = {}
    runs = ([(f"before ({args.before})", args.before)] if args.before else []) + [("this checkout", None)]
    for label, revision in runs:
        with code_of(revision) as cwd:
            results[label] = run(label.split(" ")[0], cwd, material, files)
    print_results(results)
    bounded = all(p.peak_mib - p.rest_mib < 256 for p in results["this checkout"])
    return 0 if bounded else 1


if __name__ == "__main__":
    raise SystemExit(main())
