"""Read replicas against a real primary and a real streaming standby, started here as two local clusters.

Public reads go to the standby (seen by pausing its replay: the public read does not see a new write), the writer
sees its own write at once, a lagging standby is left out, a stopped one leaves reads answering 200 from the
primary, and once it is back it serves again.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL

from api.app import create_app
from geo.database.embedded import EmbeddedCluster
from geo.database.engine import ensure_database, make_engine
from geo.database.migrate import upgrade
from geo.database.replicas import (
    ReplicaSet,
    WriterNotes,
    format_lsn,
    parse_lsn,
    parse_replica_urls,
    replica_name,
)
from geo.demo.atlas import load_demo
from geo.errors import InvalidInput
from geo.settings import Settings
from tests.auth_helpers import national_admin_token

PG_BIN = Path("/usr/lib/postgresql/15/bin")
TEST_CONF = (
    "\n# replica test\nshared_buffers = '32MB'\nfsync = off\nfull_page_writes = off\nmax_wal_senders = 4\n"
)


@dataclass
class Clusters:
    """The two clusters of the module: URLs of the test database on each, and how to stop and start the standby."""

    primary: EmbeddedCluster
    replica: EmbeddedCluster
    primary_url: URL
    replica_url: URL

    def pg_ctl(self, cluster: EmbeddedCluster, *args: str) -> None:
        """Run pg_ctl on a cluster as the server's user."""
        _pg_ctl(cluster, *args)

    def replica_sql(self, sql: str) -> None:
        """Run one statement on the standby as its superuser (pause or resume replay)."""
        engine = create_engine(self.replica_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()


def _pg_ctl(cluster: EmbeddedCluster, *args: str, check: bool = True) -> None:
    argv = [str(PG_BIN / "pg_ctl"), "-D", str(cluster.data_dir), *args]
    if cluster.is_root:
        argv = ["runuser", "-u", cluster.os_user, "--", *argv]
    subprocess.run(argv, check=check, capture_output=True, cwd="/")


def _server_user_dir(path: Path, cluster_user: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, user=cluster_user)


def _standby_of(primary: EmbeddedCluster, var_dir: Path) -> EmbeddedCluster:
    """A standby of ``primary``: pg_basebackup -R into var_dir/pg/data, its own port and socket folder (not started)."""
    replica = EmbeddedCluster(var_dir, preferred_port=primary.port() + 1, os_user=primary.os_user)
    for sub in (replica.home, replica.home / "run", replica.home / "log"):
        _server_user_dir(sub, replica.os_user)
    port = next(p for p in range(primary.port() + 1, primary.port() + 50) if _free(p))
    argv = [
        str(PG_BIN / "pg_basebackup"),
        "-h", "127.0.0.1", "-p", str(primary.port()), "-U", "vetmap",
        "-D", str(replica.data_dir), "-R", "-X", "stream", "-c", "fast",
    ]  # fmt: skip
    if replica.is_root:
        argv = ["runuser", "-u", replica.os_user, "--", *argv]
    env = {**os.environ, "PGPASSWORD": primary.password()}
    subprocess.run(argv, check=True, capture_output=True, env=env, cwd="/")
    with open(replica.data_dir / "postgresql.conf", "a") as conf:  # the copy of the primary's, told apart
        conf.write(f"\nport = {port}\nunix_socket_directories = '{replica.socket_dir}'\n")
    (replica.home / "port").write_text(f"{port}\n")
    (var_dir / "pg-password").write_text(primary.password() + "\n")
    return replica


def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def clusters() -> Iterator[Clusters]:
    """A primary with the migrated schema and the demo atlas, and its streaming standby; both removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="vetmap-replicas-", dir="/tmp"))
    root.chmod(0o711)  # the server's user walks into it
    started: list[EmbeddedCluster] = []
    try:
        primary = EmbeddedCluster(root / "primary", preferred_port=54341)
        primary.initialise()
        with open(primary.data_dir / "postgresql.conf", "a") as conf:
            conf.write(TEST_CONF)
        primary.start()
        started.append(primary)
        url = primary.url("vetmap_replicas")
        ensure_database(url)
        upgrade(url)
        engine = make_engine(url)
        try:
            load_demo(engine, scale="county")
        finally:
            engine.dispose()
        replica = _standby_of(primary, root / "replica")
        started.append(replica)
        replica.start()
        yield Clusters(primary, replica, url, replica.url("vetmap_replicas"))
    finally:
        for cluster in reversed(started):
            _pg_ctl(cluster, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


def _settings(clusters: Clusters, **extra) -> Settings:
    return Settings(
        database_url=clusters.primary_url.render_as_string(hide_password=False),
        database_replica_urls=clusters.replica_url.render_as_string(hide_password=False),
        basemap="none",
        var_dir=clusters.primary.var_dir,
        replica_check_interval_s=0.2,
        replica_backoff_s=0.5,
        **extra,
    )


@pytest.fixture(scope="module")
def primary_engine(clusters: Clusters) -> Iterator[Engine]:
    """An engine on the primary's test database (for writes behind the app's back)."""
    engine = make_engine(clusters.primary_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app_client(clusters: Clusters) -> Iterator[TestClient]:
    """An anonymous client of an app reading from the standby (any lag allowed: replay is paused in tests)."""
    with TestClient(create_app(_settings(clusters, replica_max_lag_s=3600))) as client:
        yield client


@pytest.fixture(scope="module")
def writer_headers(primary_engine: Engine) -> dict[str, str]:
    """Bearer headers of a national admin on the primary."""
    return {"Authorization": f"Bearer {national_admin_token(primary_engine)}"}


@pytest.fixture(scope="module")
def station_id(primary_engine: Engine) -> int:
    """A station of the demo atlas."""
    with primary_engine.connect() as conn:
        return conn.execute(text("SELECT min(id) FROM stations")).scalar_one()


def _wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.1)


def _replicas(client: TestClient) -> ReplicaSet:
    return client.app.state.replica_set


def _ready(client: TestClient, min_lsn: int | None = None) -> bool:
    replicas = _replicas(client)
    replicas.refresh()
    return replicas.choose(min_lsn) is not None


def _name_of(client: TestClient, station_id: int, **kwargs) -> str:
    answer = client.get(f"/api/v1/stations/{station_id}", **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()["properties"]["name"]


def _rename_on_primary(engine: Engine, station_id: int, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE stations SET name = :n WHERE id = :i"), {"n": name, "i": station_id})


@pytest.fixture
def replay_paused(clusters: Clusters, app_client: TestClient) -> Iterator[None]:
    """The standby, caught up and healthy, with its replay paused for the test (resumed after, even on failure)."""
    _wait_for(lambda: _ready(app_client), "the standby to be ready")
    clusters.replica_sql("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        clusters.replica_sql("SELECT pg_wal_replay_resume()")


# -- units without a server ------------------------------------------------------------------------------


def test_wal_positions_round_trip_and_compare_as_numbers():
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("0/3000148")) == "0/3000148"
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")
    with pytest.raises(ValueError):
        parse_lsn("16-B374D848")


def test_replica_urls_are_parsed_and_named_without_passwords():
    urls = parse_replica_urls(" postgresql://u:secret@db1:5433/vetmap , postgresql://u:secret@db2/vetmap,")
    assert [replica_name(u) for u in urls] == ["db1:5433", "db2:5432"]
    assert parse_replica_urls("") == []
    with pytest.raises(InvalidInput, match="not a PostgreSQL URL") as err:
        parse_replica_urls("mysql://u:secret@db1/vetmap")
    assert "secret" not in str(err.value)
    with pytest.raises(InvalidInput, match="not a database URL") as err:
        parse_replica_urls("db1:5432 with:secret@")
    assert "secret" not in str(err.value)


def test_writer_notes_expire_and_keep_the_highest_position():
    now = [0.0]
    notes = WriterNotes(ttl_s=10, max_entries=2, clock=lambda: now[0])
    notes.remember("token-a", 5)
    notes.remember("token-a", 3)
    assert notes.lsn_of("token-a") == 5
    notes.remember("token-b", 1)
    notes.remember("token-c", 1)  # over the bound: the oldest is forgotten
    assert notes.lsn_of("token-a") is None
    now[0] = 11
    assert notes.lsn_of("token-b") is None


def test_a_bad_replica_url_stops_the_app_from_being_built():
    settings = Settings(
        database_url="postgresql://vetmap@127.0.0.1/vetmap", database_replica_urls="http://x.org/"
    )
    with pytest.raises(InvalidInput, match="VETMAP_DATABASE_REPLICA_URLS"):
        create_app(settings)


# -- against the two clusters ---------------------------------------------------------------------------


def test_app_state_lists_the_replica_and_healthz_reports_it(clusters: Clusters, app_client: TestClient):
    (replica,) = app_client.app.state.replicas
    assert replica.name == f"127.0.0.1:{clusters.replica.port()}"
    assert replica.engine is not None
    _wait_for(lambda: _ready(app_client), "the standby to be ready")
    assert replica.healthy
    body = app_client.get("/healthz").json()
    assert body["status"] == "ok"
    (reported,) = body["replicas"]
    assert reported["name"] == replica.name and reported["state"] == "ok" and reported["healthy"] is True
    assert reported["lag_s"] is not None and reported["replay_lsn"]
    assert "@" not in reported["name"] and clusters.primary.password() not in str(body)


@pytest.mark.usefixtures("replay_paused")
def test_public_read_comes_from_the_replica_and_the_writer_sees_its_write(
    clusters: Clusters, app_client: TestClient, writer_headers: dict[str, str], station_id: int
):
    before = _name_of(app_client, station_id)
    written = app_client.patch(
        f"/api/v1/stations/{station_id}",
        json={"properties": {"name": "读写一致站"}},
        headers={
            **writer_headers,
            "If-Match": app_client.get(f"/api/v1/stations/{station_id}").headers["ETag"],
        },
    )
    assert written.status_code == 200, written.text
    lsn = written.headers["X-VetMap-LSN"]
    assert parse_lsn(lsn) > 0
    assert "set-cookie" not in written.headers  # a bearer writer is noted in the app, not given a cookie

    assert _name_of(app_client, station_id) == before  # the public: the paused standby
    assert _name_of(app_client, station_id, headers=writer_headers) == "读写一致站"  # the writer: at once
    # another process's writer sends the position back; a browser carries it in the cookie
    assert _name_of(app_client, station_id, headers={"X-VetMap-Min-LSN": lsn}) == "读写一致站"
    assert _name_of(app_client, station_id, headers={"Cookie": f"vetmap_lsn={lsn}"}) == "读写一致站"
    bad = app_client.get(f"/api/v1/stations/{station_id}", headers={"X-VetMap-Min-LSN": "yesterday"})
    assert bad.status_code == 400 and "X-VetMap-Min-LSN" in bad.json()["detail"]

    clusters.replica_sql("SELECT pg_wal_replay_resume()")
    _wait_for(lambda: _ready(app_client, parse_lsn(lsn)), "the standby to replay the write")
    assert _name_of(app_client, station_id) == "读写一致站"  # the public, from the standby again


def test_a_browser_write_gets_its_position_as_a_cookie(app_client: TestClient):
    square = {
        "type": "Polygon",
        "coordinates": [[[110.0, 25.0], [110.001, 25.0], [110.001, 25.001], [110.0, 25.001], [110.0, 25.0]]],
    }
    answer = app_client.post("/api/v1/protection-zones/check", json=square)
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"vetmap_lsn={answer.headers['X-VetMap-LSN']};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.usefixtures("replay_paused")
def test_a_lagging_replica_is_left_out(clusters: Clusters, primary_engine: Engine, station_id: int):
    with TestClient(create_app(_settings(clusters, replica_max_lag_s=0.2))) as strict:
        _rename_on_primary(primary_engine, station_id, "滞后测试站")
        time.sleep(0.5)  # the paused standby falls more than 0.2 s behind
        replicas = _replicas(strict)
        replicas.refresh()
        (replica,) = replicas.replicas
        assert replica.state == "lagging" and not replica.healthy and replica.replay_paused is True
        assert _name_of(strict, station_id) == "滞后测试站"  # from the primary
        (reported,) = strict.get("/healthz").json()["replicas"]
        assert reported["state"] == "lagging" and reported["lag_s"] > 0.2 and reported["lag_bytes"] > 0


def _count_replica_checkouts(client: TestClient) -> list[int]:
    count = [0]
    (replica,) = client.app.state.replicas

    def counted(*_):
        count[0] += 1

    for engine in (replica.engine, replica.read_engine):
        event.listen(engine, "checkout", counted)
    return count


def test_every_public_read_route_answers_from_the_replica(clusters: Clusters, station_id: int):
    with TestClient(create_app(_settings(clusters, replica_max_lag_s=3600))) as client:
        _wait_for(lambda: _ready(client), "the standby to be ready")
        count = _count_replica_checkouts(client)
        area = client.get("/api/v1/areas?level=county&limit=1").json()["features"][0]["id"]
        with client.app.state.engine.connect() as conn:
            martyr = conn.execute(text("SELECT min(id) FROM martyrs")).scalar_one()
            memorial = conn.execute(text("SELECT min(id) FROM memorials")).scalar_one()
        urls = [
            "/",
            f"/api/v1/areas/{area}",
            "/api/v1/stations?limit=5",
            f"/api/v1/stations/{station_id}",
            "/api/v1/stations/nearest?lon=110.5&lat=25.9&k=3",
            "/api/v1/stations/within?lon=110.5&lat=25.9&radius_m=20000",
            "/api/v1/areas/containing?lon=110.5&lat=25.9",
            "/api/v1/search/sites?q=烈士",
            "/api/v1/martyrs?q=烈士&limit=3",
            f"/api/v1/martyrs/{martyr}",
            f"/martyrs/{martyr}",
            "/search?q=烈士",
            "/martyrs",
            "/family-search",
            f"/sites/memorials/{memorial}",
            "/ogc/collections",
            "/ogc/collections/stations",
            "/ogc/collections/stations/items?limit=3",
            f"/ogc/collections/stations/items/{station_id}",
            "/tiles/stations/tilejson.json",
            "/tiles/stations/0/0/0.mvt",
            f"/api/v1/tributes?target=memorials&target_id={memorial}",
            "/report",
            "/reports/nearby.json?lat=25.9&long=110.5",
        ]
        for url in urls:
            answer = client.get(url)
            assert answer.status_code in (200, 204), (url, answer.status_code, answer.text[:300])
        assert count[0] >= len(urls)  # each took at least one connection of the replica's pools


def test_a_stopped_replica_leaves_reads_on_the_primary_and_is_used_again_when_back(
    clusters: Clusters, primary_engine: Engine, station_id: int
):
    with TestClient(create_app(_settings(clusters, replica_max_lag_s=3600))) as client:
        _wait_for(lambda: _ready(client), "the standby to be ready")
        items = "/ogc/collections/stations/items?limit=2"
        for _ in range(3):  # warm both replica pools: their connections die with the server
            assert client.get(items).status_code == 200
            assert client.get(f"/api/v1/stations/{station_id}").status_code == 200
        replicas = _replicas(client)
        replicas.check_interval_s = 3600  # no background probe: the failing read itself must find it out
        clusters.pg_ctl(clusters.replica, "-m", "immediate", "-w", "stop")
        try:
            assert client.get(items).status_code == 200
            (replica,) = client.app.state.replicas
            assert replica.state == "down" and replica.error == "a read on it failed; answered by the primary"
            for _ in range(3):
                assert (
                    client.get(items).status_code == 200
                )  # a pooled connection fails: taken again on the primary
                assert client.get(f"/api/v1/stations/{station_id}").status_code == 200
                assert client.get("/tiles/stations/0/0/0.mvt").status_code in (200, 204)
            assert replica.state == "down" and not replica.healthy
            (reported,) = client.get("/healthz").json()["replicas"]
            assert reported["state"] == "down" and reported["error"]
        finally:
            clusters.replica.start()

        replicas.check_interval_s = 0.2

        def back_by_background_probe() -> bool:  # public reads start the probes that bring it back
            assert client.get(f"/api/v1/stations/{station_id}").status_code == 200
            return replica.healthy

        _wait_for(back_by_background_probe, "the standby to come back")
        clusters.replica_sql("SELECT pg_wal_replay_pause()")
        try:
            _rename_on_primary(primary_engine, station_id, "回来了站")
            assert _name_of(client, station_id) != "回来了站"  # served by the standby again
        finally:
            clusters.replica_sql("SELECT pg_wal_replay_resume()")
