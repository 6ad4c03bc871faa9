"""A build's Data Docs in the lake bucket, through the prefect-aws S3Bucket block a cloud deployment loads.

No AWS account here: moto's S3 server on 127.0.0.1 speaks the protocol, and the block reaches it by its endpoint.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import boto3
import pytest
from audit_build import BATCH_TIMES, BUILD, Warehouse
from prefect_aws import AwsClientParameters, AwsCredentials, S3Bucket
from pydantic import SecretStr
from servers import free_port, listening

from elt.settings import Settings
from tasks.charts import draw_charts
from tasks.docs import host_build_docs

pytestmark = pytest.mark.timeout(300)

REGION = "us-east-1"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server, started on a free loopback port and stopped after the module."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with listening([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port, log):
        yield f"http://127.0.0.1:{port}"


def _lake_block(endpoint: str, bucket: str, name: str) -> None:
    """The lake's S3Bucket block as Terraform makes it, its credentials pointed at ``endpoint``."""
    credentials = AwsCredentials(
        aws_access_key_id="test",
        aws_secret_access_key=SecretStr("test"),
        region_name=REGION,
        aws_client_parameters=AwsClientParameters(endpoint_url=endpoint),
    )
    S3Bucket(bucket_name=bucket, credentials=credentials).save(name, overwrite=True)


def _s3(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
    )


def test_a_builds_data_docs_reach_the_bucket_readable_by_a_browser(
    settings: Settings, s3_endpoint: str, prefect_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _s3(s3_endpoint).create_bucket(Bucket="lake")
    _lake_block(s3_endpoint, "lake", "test-lake")
    monkeypatch.setenv("ELT_DOCS_BUCKET_BLOCK", "test-lake")
    draw_charts.fn(settings, BUILD)
    Warehouse(settings.warehouse_path, settings.gx_dir).plant(  # 20% of the newest batch's sales quarantined
        f"insert into {BUILD}.sales_quarantine_delta select 990000 + i, 'malformed_line', 'planted', 'planted-' || i,"
        f" timestamptz '{BATCH_TIMES[2]}' from range(25) t(i)"
    )
    verdict = Warehouse(settings.warehouse_path, settings.gx_dir).validate(tables=("rpt_reconciliation",))
    assert not verdict.passed

    keys = host_build_docs(Settings(), BUILD)

    site = settings.docs_dir
    expected = {"docs/index.html", "docs/elt_docs.css"} | {
        f"docs/{path.relative_to(site).as_posix()}" for path in (site / "gx" / BUILD).rglob("*") if path.is_file()
    }
    s3 = _s3(s3_endpoint)
    stored = {item["Key"] for item in s3.list_objects_v2(Bucket="lake", Prefix="docs/")["Contents"]}
    assert set(keys) == stored == expected
    page = s3.get_object(Bucket="lake", Key=f"docs/gx/{BUILD}/index.html")
    assert page["ContentType"] == "text/html", "a browser shows it rather than downloading it"
    assert f"Build {BUILD}: gate CLOSED on 1 critical failure" in page["Body"].read().decode()
    chart = s3.get_object(Bucket="lake", Key=f"docs/gx/{BUILD}/charts/revenue.svg")
    assert chart["ContentType"] == "image/svg+xml"
    assert BUILD in s3.get_object(Bucket="lake", Key="docs/index.html")["Body"].read().decode()


def test_a_bucket_that_refuses_the_docs_is_a_warning_not_a_failed_run(
    settings: Settings,
    s3_endpoint: str,
    prefect_server: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _lake_block(s3_endpoint, "no-such-bucket", "test-missing-lake")
    monkeypatch.setenv("ELT_DOCS_BUCKET_BLOCK", "test-missing-lake")
    Warehouse(settings.warehouse_path, settings.gx_dir).validate(tables=("rpt_reconciliation",))

    state = host_build_docs(Settings(), BUILD, return_state=True)

    assert state.is_completed() and state.result() == []
    assert f"Data Docs of {BUILD} not copied to the bucket: " in caplog.text
    assert "NoSuchBucket" in caplog.text


def test_without_a_bucket_the_site_stays_in_its_folder(settings: Settings, prefect_server: str) -> None:
    assert settings.docs_bucket_block is None
    assert host_build_docs(settings, BUILD) == []
