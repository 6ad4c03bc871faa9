"""Arrivals in the landing folder as Prefect events: what starts the on-landing deployments on one machine.

The runs' own ``elt.batch.landed`` reports what a run landed; it starts nothing, or every run would start
another. A file is an arrival when its size or modification time differs from what the watch recorded, and
only once both held still for one scan (a copy in progress is not announced half-way). What was announced is
kept in ``$ELT_DATA_DIR/watch.json``, so a restarted watch announces only what came while it was away.
The sync decides what is new, from the files' content; an arrival only says "look".
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from elt.catalog import Catalog

ARRIVED = "elt.landing.arrived"
# An event names this many files; the payload counts them all.
LISTED_FILES = 50

Snapshot = dict[str, tuple[int, int]]


def scan(landing_dir: Path, catalog: Catalog) -> Snapshot:
    """The catalogue's files under ``landing_dir``, by relative path: (size, modification time in ns)."""
    found: Snapshot = {}
    for root, _, names in os.walk(landing_dir):
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(landing_dir).as_posix()
            if any(stream.matches(relative) for stream in catalog.streams):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue  # removed between the listing and the look
                found[relative] = (stat.st_size, stat.st_mtime_ns)
    return found


@dataclass
class LandingWatch:
    """One landing folder, scanned again and again; each scan announces the files that settled since."""

    landing_dir: Path
    catalog: Catalog
    state_file: Path
    announce: Callable[[list[str]], None]

    def __post_init__(self) -> None:
        self.announced: Snapshot = _load(self.state_file)
        self.previous: Snapshot | None = None

    def step(self) -> list[str]:
        """Scan once; announce (one event) the files changed since announced and unchanged since the last scan."""
        current = scan(self.landing_dir, self.catalog)
        settled = {} if self.previous is None else {k: v for k, v in current.items() if self.previous.get(k) == v}
        self.previous = current
        arrived = sorted(path for path, seen in settled.items() if self.announced.get(path) != seen)
        if arrived:
            self.announce(arrived)
            self.announced.update({path: settled[path] for path in arrived})
            _save(self.state_file, self.announced)
        return arrived

    def run(self, interval: float, scans: int | None = None) -> None:
        """Scan every ``interval`` seconds, ``scans`` times or until stopped."""
        done = 0
        while scans is None or done < scans:
            if done:
                time.sleep(interval)
            self.step()
            done += 1


def emit_arrivals(files: Iterable[str], landing: str) -> None:
    """One ``elt.landing.arrived`` event for ``files``, sent before returning (the watch may be stopped next)."""
    from prefect.events import emit_event
    from prefect.events.worker import EventsWorker

    listed = list(files)
    emit_event(
        ARRIVED,
        resource={"prefect.resource.id": f"elt.landing.{landing}", "prefect.resource.name": "landing folder"},
        payload={"files": listed[:LISTED_FILES], "count": len(listed)},
    )
    EventsWorker.drain_all(timeout=30)


def _load(state_file: Path) -> Snapshot:
    if not state_file.exists():
        return {}
    return {path: (size, mtime) for path, (size, mtime) in json.loads(state_file.read_text(encoding="utf-8")).items()}


def _save(state_file: Path, announced: Snapshot) -> None:
    staging = state_file.with_suffix(".tmp")
    staging.write_text(json.dumps(announced, sort_keys=True), encoding="utf-8")
    os.replace(staging, state_file)
