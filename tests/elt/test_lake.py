import hashlib
from pathlib import Path

import pytest

from elt.lake import LocalLake, scan_file


@pytest.mark.parametrize(
    ("content", "has_header", "records"),
    [
        (b"", True, 0),
        (b"a,b\n", True, 0),
        (b"a,b\n1,2\n3,4\n", True, 2),
        (b"a,b\n1,2\n3,4", True, 2),
        (b'{"x": 1}\n{"x": 2}\n', False, 2),
        (b'{"x": 1}', False, 1),
    ],
)
def test_scan_counts_records_and_hashes_the_bytes(tmp_path: Path, content: bytes, has_header: bool, records: int):
    path = tmp_path / "f"
    path.write_bytes(content)

    checksum, counted, header = scan_file(path, has_header=has_header)

    assert checksum == hashlib.sha256(content).hexdigest()
    assert counted == records
    assert header == ("a,b" if has_header and content else None)


def test_scan_streams_files_larger_than_its_chunk(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"h\n" + b"x" * 3_000_000 + b"\n" + b"y\n" * 10)

    _, records, header = scan_file(path, has_header=True)

    assert (records, header) == (11, "h")


def test_the_raw_zone_never_overwrites_a_stored_copy(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path / "lake")
    source = tmp_path / "a.csv"
    source.write_bytes(b"h\n1\n")
    checksum, _, _ = scan_file(source, has_header=True)

    stored = lake.store(source, stream="s", batch_id=1, relative_path="a.csv", checksum=checksum)
    again = lake.store(source, stream="s", batch_id=1, relative_path="a.csv", checksum=checksum)

    assert stored == again == tmp_path / "lake/raw/s/batch=000001/a.csv"
    assert stored.read_bytes() == b"h\n1\n"
    with pytest.raises(FileExistsError, match="different file"):
        lake.store(source, stream="s", batch_id=1, relative_path="a.csv", checksum="0" * 64)
