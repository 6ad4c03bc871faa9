# The flow-run image: Prefect's Python 3.11 base, the locked production dependencies (no dev group), the project,
# its dbt project parsed.
FROM prefecthq/prefect:3.8.8-python3.11

# The locked set lives in its own venv, first on PATH, so the base image's own packages never mix into it;
# uv makes it with the base image's Python and never downloads one.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON=python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/elt/.venv \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH=/opt/elt/.venv/bin:$PATH \
    ELT_DATA_DIR=/var/lib/elt \
    DBT_PROFILES_DIR=/opt/elt/dbt

WORKDIR /opt/elt
# Dependencies first, in their own layer: it is rebuilt only when the lock changes.
# tests/test_packaging.py checks this set (`uv export --frozen --no-dev`) holds no test or lint tool.
COPY pyproject.toml uv.lock ./
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv sync --frozen --no-dev --no-install-project

COPY README.md ./
COPY elt ./elt
COPY flows ./flows
COPY tasks ./tasks
COPY airbyte ./airbyte
COPY dbt ./dbt
RUN uv sync --frozen --no-dev \
    && useradd --create-home --uid 10001 elt \
    && mkdir -p "$ELT_DATA_DIR" && chown -R elt:elt /opt/elt "$ELT_DATA_DIR"

USER 10001
# Parse once at build time so flow runs start from a ready manifest.
RUN cd dbt && dbt parse --profiles-dir . --target local --target-path /opt/elt/dbt/target --vars "$(elt dbt-vars)"
