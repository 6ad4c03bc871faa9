"""What a Prefect server or Cloud workspace must hold before ``prefect deploy``: pools, blocks, limits, automations.

``elt prefect apply`` writes it; running it again converges on the same state.
"""

from elt.workspace._apply import WorkspacePlan, apply_workspace
from elt.workspace._limits import warehouse_limit, warehouse_slot
from elt.workspace._pools import BASE_JOB_TEMPLATE, kubernetes_pool_name

__all__ = [
    "BASE_JOB_TEMPLATE",
    "WorkspacePlan",
    "apply_workspace",
    "kubernetes_pool_name",
    "warehouse_limit",
    "warehouse_slot",
]
