# The flow-run image: Prefect's Python 3.11 base, the locked dependencies, the project, its dbt project parsed.
FROM prefecthq/prefect:3.8.8-python3.11

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ELT_DATA_DIR=/var/lib/elt \
    DBT_PROFILES_DIR=/opt/elt/dbt

WORKDIR /opt/elt
COPY requirements.lock ./
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv pip install --system --require-hashes --no-cache -r requirements.lock

COPY pyproject.toml README.md ./
COPY elt ./elt
COPY flows ./flows
COPY tasks ./tasks
COPY airbyte ./airbyte
COPY dbt ./dbt
RUN uv pip install --system --no-deps --no-cache -e . \
    && useradd --create-home --uid 10001 elt \
    && mkdir -p "$ELT_DATA_DIR" && chown -R elt:elt /opt/elt "$ELT_DATA_DIR"

USER 10001
# Parse once at build time so flow runs start from a ready manifest.
RUN cd dbt && dbt parse --profiles-dir . --target local --target-path /opt/elt/dbt/target --vars "$(elt dbt-vars)"
