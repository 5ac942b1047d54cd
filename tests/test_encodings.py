"""Encodings: real files written in tmp_path, short Chinese files included."""

import pytest

import zhsearch
from zhsearch.reading.encodings import decode_bytes
from zhsearch.errors import UnreadableFileError

SIMPLIFIED = "网贷逾期后催收人员会上门吗？正规平台一般不会上门。"
TRADITIONAL = "網貸逾期後催收人員會上門嗎？正規平臺一般不會上門。"


@pytest.mark.parametrize(
    "text, encoding",
    [
        (SIMPLIFIED, "utf-8"),
        (SIMPLIFIED, "utf-8-sig"),
        (SIMPLIFIED, "utf-16"),
        (TRADITIONAL, "utf-16"),
        (SIMPLIFIED, "gb18030"),
        (SIMPLIFIED, "gbk"),
        (TRADITIONAL, "big5"),
        (TRADITIONAL, "gb18030"),
    ],
)
def test_each_encoding_decodes_to_the_text(text, encoding):
    assert decode_bytes(text.encode(encoding))[0] == text


@pytest.mark.parametrize("text", ["上门", "門", "催收", "逾期九千", "網貸", "还款", "會上門嗎"])
def test_short_chinese_files_are_read_right(text):
    for encoding in ("gbk", "big5"):
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue  # a simplified character Big5 does not have
        assert decode_bytes(data)[0] == text, encoding


def test_binary_is_refused():
    with pytest.raises(UnreadableFileError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def test_index_skips_undecodable_files_with_a_warning_and_keeps_the_rest(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "gbk.txt").write_bytes(("标题标题标题标题\n\n" + SIMPLIFIED).encode("gbk"))
    (corpus / "big5.txt").write_bytes(("標題標題標題標題\n\n" + TRADITIONAL).encode("big5"))
    (corpus / "image.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    report = zhsearch.build_index(corpus, tmp_path / "i")
    assert report.files_indexed == 2
    assert len(report.skipped) == 1 and "image.txt" in report.skipped[0]
    assert "skipped 1 unreadable" in report.summary()
    with zhsearch.open_index(tmp_path / "i") as idx:
        hit = idx.search("催收人员会上门吗", limit=5)[0]
    # the same text in two scripts is one passage, listed once with its copy
    assert {hit.source, *(a.split(":")[0] for a in hit.also)} == {"gbk.txt", "big5.txt"}
