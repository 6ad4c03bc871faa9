"""The docs site under ``$ELT_DATA_DIR/docs``: each build's Data Docs and charts (``gx/<build>/``), the dbt docs of
the last publication (``dbt/``) and an index of both, readable offline and served over HTTP by ``elt docs serve``."""

from elt.docs._bucket import host_docs, host_in_bucket
from elt.docs._charts import write_build_charts
from elt.docs._dbt_docs import DbtDocsError, documented_build, generate_dbt_docs
from elt.docs._gx_pages import suite_name
from elt.docs._server import docs_server
from elt.docs._site_index import write_site_index
from elt.docs._verdict_page import finish_build_docs, verdict_line

__all__ = [
    "DbtDocsError",
    "docs_server",
    "documented_build",
    "finish_build_docs",
    "generate_dbt_docs",
    "host_docs",
    "host_in_bucket",
    "suite_name",
    "verdict_line",
    "write_build_charts",
    "write_site_index",
]
