"""The benchmark's results as markdown tables and a PNG chart (each run's stages stacked, the floor beside)."""

from __future__ import annotations

from pathlib import Path

from _stages import STAGES

OUTSIDE_FLOW = ("start+imports", "orchestration", "exit")
SEGMENTS = ("start+imports", *STAGES, "orchestration", "exit")


def _gb(value: int) -> str:
    return f"{value / 2**30:.2f} GB"


def _ratio(value: float, base: float | None) -> str:
    return f"{value / base:.2f}" if base else ""


def phase_table(results: dict) -> str:
    """Per phase: wall, CPU, peak RSS; for the floor and the runs, wall and CPU as ratios to the floor's (CPU is
    the steadier one on a shared machine), and each run's wall as a ratio to the full run's."""
    phases = results["phases"]
    floor = next((p for p in phases if p["phase"] == "floor"), None)
    full = next((p["wall_s"] for p in phases if p["phase"] == "full"), None)
    lines = [
        "| phase | wall s | CPU s | peak RSS | ÷ floor wall | ÷ floor CPU | ÷ full wall |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in phases:
        is_run = "segments" in p
        compared = floor is not None and (is_run or p is floor)
        lines.append(
            f"| {p['phase']} | {p['wall_s']:.1f} | {p['cpu_s']:.1f} | {_gb(p['peak_rss'])} "
            f"| {_ratio(p['wall_s'], floor['wall_s']) if compared else ''} "
            f"| {_ratio(p['cpu_s'], floor['cpu_s']) if compared else ''} "
            f"| {_ratio(p['wall_s'], full) if is_run else ''} |"
        )
    return "\n".join(lines)


def stage_table(results: dict) -> str:
    runs = [p for p in results["phases"] if "segments" in p]
    header = " | ".join(SEGMENTS)
    lines = [f"| run (s) | {header} |", "| --- |" + " ---: |" * len(SEGMENTS)]
    for run in runs:
        cells = [f"{run['segments'][s]:.1f}" for s in SEGMENTS]
        cells[SEGMENTS.index("dbt")] += f" ({run['dbt_nodes']} nodes)"
        lines.append(f"| {run['phase']} | {' | '.join(cells)} |")
    return "\n".join(lines)


def write_chart(results: dict, path: Path) -> None:
    """Horizontal bars: the floor, the Prefect server's start, then each run's segments stacked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    phases = {p["phase"]: p for p in results["phases"]}
    runs = [p for p in results["phases"] if "segments" in p]
    labels = ["floor (bare DuckDB)", "Prefect server start", *(r["phase"] for r in runs)]
    colours = plt.get_cmap("tab20").colors
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(labels) + 1.6), dpi=100)
    single = [("floor", "#333333"), ("orchestration: Prefect server start", "#999999")]
    for row, (name, colour) in enumerate(single):
        if name in phases:
            ax.barh(row, phases[name]["wall_s"], color=colour)
    for row, run in enumerate(runs, start=len(single)):
        left = 0.0
        for index, segment in enumerate(SEGMENTS):
            width = run["segments"][segment]
            ax.barh(row, width, left=left, color=colours[index % len(colours)], label=segment if row == 2 else None)
            left += width
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("wall seconds")
    ax.set_title(f"{results['rows']:,} sales over {results['days']} days, {results['host']['cpus']} cores")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
