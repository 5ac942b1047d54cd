"""Reading an index through memory maps (storage.mapped): no copy of a segment, the same answers."""

import io
import pickle

import pytest
from whoosh import index as whoosh_index

import zhsearch
from zhsearch.storage.layout import live_generation
from zhsearch.storage.mapped import MappedFile, MappedStorage, ViewReader


@pytest.mark.parametrize("data", [b"", b"abc", b"one\ntwo\n", b"no newline at the end", b"\n" * 3 + b"x" * 10_000])
def test_a_view_reads_as_bytesio_does(data):
    view, copy = ViewReader(memoryview(data)), io.BytesIO(data)
    for step in ("readline", "read3", "seek1", "readline", "read", "seek_end", "read", "tell_read"):
        if step == "readline":
            assert view.readline() == copy.readline()
        elif step == "read3":
            assert view.read(3) == copy.read(3)
        elif step == "seek1":
            assert view.seek(1) == copy.seek(1)
        elif step == "seek_end":
            assert view.seek(-2, 2) == copy.seek(-2, 2) if len(data) >= 2 else True
        elif step == "read":
            assert view.read() == copy.read()
        else:
            assert view.tell() == copy.tell()


def test_pickles_load_from_a_view():
    data = pickle.dumps({"a": [1, 2.5, "三"]}) + pickle.dumps(("b", None))
    view = ViewReader(memoryview(data))
    assert pickle.load(view) == {"a": [1, 2.5, "三"]} and pickle.load(view) == ("b", None)


def test_the_segments_files_are_views_of_the_map(index_dir):
    """Every sub-file of the compound segment is a view: nothing is copied into a BytesIO."""
    with MappedStorage(str(live_generation(index_dir))).open_index().reader() as reader:
        for segment_reader, _ in reader.leaf_readers():
            files = segment_reader.storage().a  # the compound file (OverlayStorage(files, storage))
            for name in files.list():
                opened = files.open_file(name)
                assert type(opened) is MappedFile and not isinstance(opened.file, io.BytesIO)
                opened.close()


def test_an_index_read_through_maps_answers_as_whoosh_own_storage(index_dir):
    gen = str(live_generation(index_dir))
    with MappedStorage(gen).open_index().reader() as mapped, whoosh_index.open_dir(gen).reader() as plain:
        assert mapped.doc_count_all() == plain.doc_count_all()
        assert [mapped.stored_fields(n) for n in range(mapped.doc_count_all())] == [
            plain.stored_fields(n) for n in range(plain.doc_count_all())
        ]
        assert list(mapped.all_terms()) == list(plain.all_terms())
        for fieldname, text in list(plain.all_terms())[:2000:7]:
            assert list(mapped.postings(fieldname, text).items_as("weight")) == list(
                plain.postings(fieldname, text).items_as("weight"))


def test_an_index_opened_and_closed_many_times_keeps_no_file_open(index_dir):
    import os

    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        with zhsearch.open_index(index_dir) as idx:
            assert idx.search("上门", limit=3)
    import gc

    gc.collect()
    assert len(os.listdir("/proc/self/fd")) <= before + 2
