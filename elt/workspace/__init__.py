"""What a Prefect server or Cloud workspace must hold before ``prefect deploy``: pools, blocks, limits, automations.

``elt prefect apply`` writes it; running it again converges on the same state. Every run takes the warehouse's
slot (``_limits``); only ``elt prefect apply`` needs the rest, which imports Prefect's workers and the Slack client
(about half a second), so those are imported when first asked for.
"""

from typing import Any

from elt.workspace._limits import warehouse_limit, warehouse_slot

# Name -> the module holding it, imported on first use.
_APPLY = {
    "WorkspacePlan": "_apply",
    "apply_workspace": "_apply",
    "BASE_JOB_TEMPLATE": "_pools",
    "kubernetes_pool_name": "_pools",
}

__all__ = [
    "BASE_JOB_TEMPLATE",
    "WorkspacePlan",
    "apply_workspace",
    "kubernetes_pool_name",
    "warehouse_limit",
    "warehouse_slot",
]


def __getattr__(name: str) -> Any:
    if name not in _APPLY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_APPLY[name]}"), name)
