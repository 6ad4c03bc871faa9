"""The ``elt`` command: generate demo data, run the pipeline, show the last run, serve the docs."""

from __future__ import annotations

import atexit
import datetime as dt
import os
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Annotated

import typer

from elt.settings import InvalidSettingsError, Settings

app = typer.Typer(
    help="Retail ELT platform: Prefect, dbt and Great Expectations on DuckDB or Snowflake.",
    no_args_is_help=True,
)


@app.command()
def generate(
    *,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 42,
    days: Annotated[int, typer.Option(help="Days of sales and reviews, one file each.")] = 7,
    start_date: Annotated[
        dt.datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="First day; by default the day after the folder's newest (an empty folder: days ending yesterday).",
        ),
    ] = None,
    sales_rows_per_day: Annotated[
        int | None,
        typer.Option(help="Sales rows per day; by default as the folder's newest day (empty folder: 100,000 a week)."),
    ] = None,
    sales_rows: Annotated[
        int | None, typer.Option(help="Sales rows over all days of this call, instead of --sales-rows-per-day.")
    ] = None,
    defect_rate: Annotated[float, typer.Option(help="Scales every planted defect's rate; 0 = clean.")] = 1.0,
) -> None:
    """Write deterministic demo landing files and _expected.json into $ELT_DATA_DIR/landing.

    Run again, it adds the next day(s) at the same volume: `elt generate --days 1` is one more day of sales.
    Keys are written as the stream catalogue ($ELT_CATALOG_PATH) types them: integers, or strings such as CUS-000017.
    """
    from elt.catalog import load_catalog
    from elt.generate import GenerateOptions, KeyFormats, continuing, held_days
    from elt.generate import generate as write_files

    if sales_rows is not None and sales_rows_per_day is not None:
        raise typer.BadParameter("give --sales-rows or --sales-rows-per-day, not both")
    settings = _settings()
    try:
        keys = KeyFormats.of(load_catalog(settings.catalog_path))
    except ValueError as exc:
        typer.echo(f"elt generate: {settings.catalog_path}: {exc}; nothing was written", err=True)
        raise typer.Exit(code=1) from exc
    first, rows = continuing(
        held_days(settings.landing_dir),
        dt.datetime.now(dt.UTC).date(),
        days,
        start_date.date() if start_date else None,
        sales_rows_per_day,
    )
    options = GenerateOptions(
        seed=seed,
        sales_rows=rows if sales_rows is None else sales_rows,
        days=days,
        start_date=first,
        defect_rate=defect_rate,
        keys=keys,
    )
    expected = write_files(settings.landing_dir, options)
    sales = expected["streams"]["sales"]
    written = "1 day" if days == 1 else f"{days} days"
    held = len(expected["days"])
    typer.echo(
        f"wrote {written} from {options.start_date} into {settings.landing_dir}; it now holds"
        f" {held} day{'' if held == 1 else 's'} and {sales['landed']} sales records; expectations in _expected.json"
    )


WaitOption = Annotated[
    bool,
    typer.Option(
        "--wait",
        help="Wait for a run holding the warehouse to finish, instead of exiting at once"
        " (default: wait ELT_RUN_LOCK_WAIT_SECONDS, 0).",
    ),
]

# Exit status of a command refused because another run holds the warehouse (sysexits' EX_TEMPFAIL: try later).
EXIT_WAREHOUSE_HELD = 75


@app.command()
def run(
    wait: WaitOption = False,
    force: Annotated[
        bool, typer.Option("--force", help="Build the latest batch again although the gate rejected it.")
    ] = False,
) -> None:
    """Run the elt flow once on the configured profile and print the run summary.

    A batch the gate rejected is not built again until something new lands, or --force asks for it (after a
    fix to a model or a threshold).
    """
    _run_flow("elt", force, wait=wait)


@app.command()
def backfill(
    start: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="First day to rebuild.")],
    end: Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"], help="Last day to rebuild (inclusive).")],
    wait: WaitOption = False,
) -> None:
    """Run the elt-backfill flow: rebuild and republish the fact rows of the days START..END."""
    _run_flow("backfill", start.date(), end.date(), wait=wait)


def _hold_warehouse(settings: Settings, command: str, wait: bool) -> None:
    """Take the warehouse's run lock for the rest of this process, or exit at once naming its holder.

    Before anything else: the flow's temporary Prefect server and the sync must not start beside another run's.
    It is released at exit, after Prefect stops that server (an atexit handler registered earlier runs later),
    so a run waiting for this one never starts its own server on a database still in use.
    """
    from elt.adapters import adapters_for
    from elt.warehouse import WarehouseHeldError

    run_lock = adapters_for(settings).warehouse.run_lock
    lock = ExitStack()
    try:
        lock.enter_context(run_lock(0 if wait else settings.run_lock_wait_seconds))
    except WarehouseHeldError as exc:
        if not wait:
            typer.echo(f"elt {command}: {exc}; nothing was done. Run again later, or with --wait.", err=True)
            raise typer.Exit(code=EXIT_WAREHOUSE_HELD) from exc
        typer.echo(f"elt {command}: {exc}; waiting for it to finish.", err=True)
        lock.enter_context(run_lock(None))
    atexit.register(lock.close)


def _run_flow(name: str, *args: dt.date | bool, wait: bool) -> None:
    """Run one of the pipeline's flows in this process; a failure the pipeline explains exits 1 with that."""
    # Before anything imports Prefect (the adapters do): its settings are read once, at import.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    import elt.quality  # noqa: F401  (the gate's check ids, so a severity naming none is refused; no GX import)

    # The flow reads them again; here a setting not allowed stops before the lock, a server or a run record.
    command = "run" if name == "elt" else name
    _hold_warehouse(_settings(), command, wait)
    _start_temporary_server(command)
    import flows.elt
    from elt.faults import PermanentFaultError
    from tasks.ingest import LandingCheckError
    from tasks.transform import DbtBuildError

    try:
        getattr(flows.elt, name)(*args)
    except (flows.elt.GateClosedError, LandingCheckError, DbtBuildError, PermanentFaultError) as exc:
        typer.echo(f"\nelt {command} failed: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    finally:
        typer.echo(_ui_hint())


def _start_temporary_server(command: str) -> None:
    """Without PREFECT_API_URL the flow runs against a temporary Prefect server: start it here, so that one too slow
    to start (a busy machine, a first database migration) is a sentence saying what to do, not a traceback."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    if PREFECT_API_URL.value():
        return
    from prefect.server.api.server import SubprocessASGIServer  # the server's app: seconds, only when it is needed

    try:
        SubprocessASGIServer().start()
    except Exception as exc:  # Prefect raises RuntimeError on a timeout, httpx's errors on a bad answer
        seconds = PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        typer.echo(
            f"elt {command}: the temporary Prefect server did not start within {seconds} s"
            f" ({str(exc).splitlines()[0][:200]}); nothing was done. On a busy machine set"
            " PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS higher, or run a Prefect server (`make ui`) and set"
            " PREFECT_API_URL=http://127.0.0.1:4200/api.",
            err=True,
        )
        raise typer.Exit(code=1) from exc


@app.command()
def watch(
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between two scans of the landing folder.")] = 5.0,
) -> None:
    """Announce files arriving in $ELT_DATA_DIR/landing as `elt.landing.arrived` events, until stopped.

    The on-landing deployments start a run on them: with `make ui` and a worker (see README, Deploy), dropping
    files into landing/ runs the pipeline. A file is announced once it has stopped changing between two scans.
    """
    from prefect.settings import PREFECT_API_URL

    from elt.catalog import load_catalog
    from elt.watch import LandingWatch, emit_arrivals

    if not PREFECT_API_URL.value():
        typer.echo(
            "elt watch: set PREFECT_API_URL to the Prefect server the workers use"
            " (`make ui` serves http://127.0.0.1:4200/api)",
            err=True,
        )
        raise typer.Exit(code=1)
    settings = _settings()

    def announce(files: list[str]) -> None:
        emit_arrivals(files, landing=settings.profile.value)
        more = " ..." if len(files) > 3 else ""
        typer.echo(f"announced {len(files)} arrived file{'' if len(files) == 1 else 's'}: {', '.join(files[:3])}{more}")

    catalog = load_catalog(settings.catalog_path)
    typer.echo(f"watching {settings.landing_dir} every {interval:g} s; Ctrl-C stops")
    with suppress(KeyboardInterrupt):
        LandingWatch(settings.landing_dir, catalog, settings.data_dir / "watch.json", announce).run(interval)


@app.command()
def status() -> None:
    """Print the summary of the last run that built, and where readers read the published marts.

    A run that found nothing new does not hide the build before it: it is mentioned after that build's summary.
    """
    from elt.adapters import adapters_for
    from elt.summary import RunStatus
    from elt.warehouse import WarehouseBusyError

    warehouse = adapters_for(_settings()).warehouse
    try:
        last, built = warehouse.last_run(), warehouse.last_run(skip_status=RunStatus.UP_TO_DATE.value)
    except WarehouseBusyError as exc:
        typer.echo(f"the last run's record cannot be read now: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if last is None:
        typer.echo("no run yet: `elt run` makes one")
        raise typer.Exit(code=1)
    typer.echo((built or last).summary_markdown)
    if built is not None and last != built:
        typer.echo(f"\nSince then, run {last.run_id} found nothing new: up to date, nothing built.")
    typer.echo(f"\nRead the published marts from {warehouse.readers_location()}: runs never wait for its readers.")


@app.command("dbt-vars")
def dbt_vars() -> None:
    """Print the vars every dbt command of the project needs (each field's type from the catalogue), as JSON.

    The pipeline passes them itself; to run dbt by hand: `dbt build --vars "$(elt dbt-vars)"`.
    """
    import json

    from elt.dbt_invocation import project_vars

    typer.echo(json.dumps(project_vars(_settings())))


@app.command()
def reparse(
    stream: Annotated[str, typer.Option(help="The document stream whose parsed output is replaced.")],
    from_date: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Only documents extracted on or after.")
    ] = None,
) -> None:
    """Parse a stream's RAW documents again with its current contract, replacing its parsed output."""
    from elt.adapters import adapters_for
    from elt.catalog import load_catalog
    from elt.parsing import load_contracts

    settings = _settings()
    contracts = load_contracts(settings.contracts_dir, load_catalog(settings.catalog_path))
    contract = next((c for c in contracts if c.stream == stream), None)
    if contract is None:
        typer.echo(f"no parsing contract for stream {stream!r} in {settings.contracts_dir}", err=True)
        raise typer.Exit(code=1)
    since = from_date.replace(tzinfo=dt.UTC) if from_date else None
    _hold_warehouse(settings, "reparse", wait=False)
    result = adapters_for(settings).parser.reparse(contract, since)
    typer.echo(f"{stream}: {result.documents} documents, {result.parsed} parsed, {result.quarantined} quarantined")


prefect_app = typer.Typer(help="Configure the Prefect server or Cloud workspace the deployments run on.")
app.add_typer(prefect_app, name="prefect")


@prefect_app.command("apply")
def prefect_apply(
    env: Annotated[str, typer.Option(help="Environment: names the kubernetes pool and the Slack block.")] = "dev",
    slack_webhook_url: Annotated[
        str | None, typer.Option(envvar="ELT_SLACK_WEBHOOK_URL", help="Slack incoming webhook; never commit it.")
    ] = None,
    late_after_minutes: Annotated[int, typer.Option(min=1, help="Post when a Late run has not started.")] = 15,
) -> None:
    """Create or update work pools, the Slack block, the warehouse concurrency limit and the automations."""
    from elt.workspace import WorkspacePlan, apply_workspace

    plan = WorkspacePlan(
        env=env,
        profile=_settings().profile,
        slack_webhook_url=slack_webhook_url,
        late_after=dt.timedelta(minutes=late_after_minutes),
    )
    for line in apply_workspace(plan):
        typer.echo(line)


docs_app = typer.Typer(help="The docs site: each build's Data Docs and the dbt docs, served over HTTP.")
app.add_typer(docs_app, name="docs")


@docs_app.command("generate")
def docs_generate(wait: WaitOption = False) -> None:
    """Write the dbt docs (lineage, exposures, columns) of the last published build into $ELT_DATA_DIR/docs/dbt."""
    from elt.adapters import adapters_for
    from elt.docs import DbtDocsError, generate_dbt_docs, host_docs
    from elt.warehouse import WarehouseHeldError

    settings = _settings()
    try:
        with adapters_for(settings).warehouse.run_lock(None if wait else settings.run_lock_wait_seconds):
            build = generate_dbt_docs(settings, force=True)
    except WarehouseHeldError as exc:
        typer.echo(f"elt docs generate: {exc}; nothing was done. Run again later, or with --wait.", err=True)
        raise typer.Exit(code=EXIT_WAREHOUSE_HELD) from exc
    except DbtDocsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"dbt docs of {build} in {settings.dbt_docs_dir}" if build else "no build published yet: no dbt docs")
    if build and (keys := host_docs(settings, build)):
        typer.echo(f"copied to the bucket of {settings.docs_bucket_block}: {len(keys)} files")


@docs_app.command("serve")
def docs_serve(
    port: Annotated[int, typer.Option(min=0, max=65535, help="0: any free port.")] = 8080,
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
) -> None:
    """Serve $ELT_DATA_DIR/docs over HTTP: the builds' Data Docs, and the dbt docs brought up to date first."""
    from elt.adapters import adapters_for
    from elt.docs import DbtDocsError, docs_server, generate_dbt_docs
    from elt.warehouse import WarehouseHeldError

    settings = _settings()
    try:
        with adapters_for(settings).warehouse.run_lock(0):
            build = generate_dbt_docs(settings)
        typer.echo(f"dbt docs: {build}" if build else "dbt docs: none yet, no build is published")
    except (WarehouseHeldError, DbtDocsError) as exc:
        typer.echo(f"dbt docs not brought up to date ({exc}); `elt docs generate` later", err=True)
    server = docs_server(settings.docs_dir, host, port)
    address = f"http://{server.server_address[0]}:{server.server_address[1]}"
    typer.echo(f"Serving {settings.docs_dir} at {address}/ (Ctrl+C stops it)")
    typer.echo(f"For links to it in run summaries and events: ELT_DOCS_URL={address}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _settings() -> Settings:
    """The settings, or exit 1 with what is wrong with them: a person's typo is not a crash."""
    try:
        return Settings()
    except InvalidSettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None


def _ui_hint() -> str:
    api = os.environ.get("PREFECT_API_URL")
    if api:
        return f"\nPrefect UI: {api.removesuffix('/api')}/runs"
    home = os.environ.get("PREFECT_HOME", str(Path.home() / ".prefect"))
    return (
        "\nThe runs are recorded in the Prefect database under "
        f"{home}. See them in the UI: `make ui`, then open http://127.0.0.1:4200/runs"
    )
