"""``python main.py demo load``: the demo atlas and its road network."""

from __future__ import annotations

from typing import Annotated

import typer

from geo.database.cli import command_engine
from geo.kit.cli import fail

demo_cli = typer.Typer(help="The demo atlas.", no_args_is_help=True)


@demo_cli.command("load")
def demo_load(
    scale: Annotated[
        str, typer.Option(help="'county' (default demo) or 'guangxi' (17,624 stations, for benchmarks)")
    ] = "county",
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same atlas")] = 20260930,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="do nothing when the atlas already has areas")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="replace even non-synthetic sites")] = False,
) -> None:
    """Replace the atlas with the demo: real boundaries, synthetic townships, villages and sites."""
    from geo.coverage.roads_demo import load_demo_roads
    from geo.demo.atlas import DEMO_SCALES, atlas_is_empty, load_demo

    if scale not in DEMO_SCALES:
        fail(f"unknown scale {scale!r}; choose one of: {', '.join(DEMO_SCALES)}")
    with command_engine() as engine:
        if if_empty and not atlas_is_empty(engine):
            typer.echo("the atlas already has data: demo not loaded (drop --if-empty to replace it)")
            return
        counts = load_demo(engine, scale=scale, seed=seed, force=force)
        roads = load_demo_roads(engine)
    typer.echo("demo atlas loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    typer.echo(
        f"demo road network {roads.id} (generated, synthetic): {roads.nodes} nodes, {roads.edges} edges"
    )
