"""The gridfs fake: the real GridFS over the pymongo fake's databases, in a copy of its own."""

from __future__ import annotations

import io
import sys
import time
from typing import TYPE_CHECKING

import gridfs
import pytest

from harness.fakes.backends import Backends
from harness.integrations import provider

if TYPE_CHECKING:
    from .conftest import Tree


@pytest.fixture
def gf(backends: Backends) -> Tree:
    from .conftest import Tree

    return Tree(provider("gridfs").build(backends))


def _database(pm: Tree, name: str = "files"):
    return pm.MongoClient("mongodb://mongo:27017/")[name]


def test_gridfs_stores_reads_and_finds_files_in_the_shared_store(
    pm: Tree, gf: Tree, backends: Backends
) -> None:
    fs = gf.GridFS(_database(pm))
    first = fs.put(b"hello", filename="a.txt")
    time.sleep(0.002)  # versions are told apart by their upload time, stored to the millisecond
    fs.put(b"hello again", filename="a.txt")
    fs.put(b"other", filename="b.txt")

    assert fs.get(first).read() == b"hello"
    assert fs.get_last_version("a.txt").read() == b"hello again"
    assert sorted(f.filename for f in fs.find()) == ["a.txt", "a.txt", "b.txt"]  # no filter
    assert [f.filename for f in fs.find({"filename": "b.txt"})] == ["b.txt"]
    assert sorted(fs.list()) == ["a.txt", "b.txt"]
    view = backends.mongo.client()["files"]
    assert view["fs.files"].count_documents({}) == 3
    fs.delete(first)
    assert not fs.exists(first)
    with pytest.raises(gf["errors"].NoFile):
        fs.get(first)


def test_a_bucket_uploads_and_downloads_in_chunks(pm: Tree, gf: Tree) -> None:
    bucket = gf.GridFSBucket(_database(pm), bucket_name="photos", chunk_size_bytes=4)
    file_id = bucket.upload_from_stream("sea.jpg", io.BytesIO(b"0123456789"))

    assert bucket.open_download_stream(file_id).read() == b"0123456789"
    assert bucket.open_download_stream_by_name("sea.jpg").read() == b"0123456789"
    assert _database(pm)["photos.chunks"].count_documents({"files_id": file_id}) == 3
    out = io.BytesIO()
    bucket.download_to_stream(file_id, out)
    assert out.getvalue() == b"0123456789"


def test_the_process_gridfs_is_left_as_it_is(pm: Tree, gf: Tree) -> None:
    # Built before this test (the fixture): the process's gridfs still refuses the fake's database,
    # and nothing of the copy is in sys.modules (the conftest checks that after every test).
    assert gf.GridFS is not gridfs.GridFS
    assert sys.modules["gridfs"] is gridfs
    with pytest.raises(TypeError, match="must be an instance of Database"):
        gridfs.GridFS(_database(pm))
    assert getattr(sys.modules["mongomock"], "gridfs", None) is sys.modules.get("mongomock.gridfs")


# Run in a fresh interpreter: gridfs not imported before the fake is built.
FRESH_BUILD = """
import sys
import mongomock
from harness.fakes.backends import Backends
from harness.integrations import provider

backends = Backends()
client = provider("pymongo").build(backends).module("pymongo").MongoClient("mongodb://m/")
tree = provider("gridfs").build(backends)
assert tree.module("gridfs").GridFS(client["files"]).put(b"x", filename="x")
left = sorted(n for n in sys.modules if n == "gridfs" or n.startswith(("gridfs.", "mongomock.gridfs")))
assert not left and not hasattr(mongomock, "gridfs"), left
print("ok")
"""


def test_building_the_fake_imports_no_gridfs_for_the_process() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", FRESH_BUILD], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr
