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


LONG = ("网贷逾期怎么办\n\n" + SIMPLIFIED * 20 + "\n\n协商还款可以申请延期或者分期，说明自己的实际困难。\n").encode("utf-8")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-2],  # the last character cut in half
        lambda data: data[:40] + b"\xff" + data[40:],  # a stray 0xFF
        lambda data: data[:59] + b"\xc0\xaf" + data[59:],  # an overlong form, between two characters
    ],
    ids=["cut last character", "stray 0xff", "overlong"],
)
def test_a_utf8_file_with_one_bad_byte_is_indexed_with_the_byte_replaced_and_one_warning(tmp_path, damage):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "bad.txt").write_bytes(damage(LONG))
    decoded = decode_bytes(damage(LONG))
    assert decoded.encoding == "utf-8" and 1 <= decoded.replaced <= 4 and "\ufffd" in decoded.text
    report = zhsearch.build_index(corpus, tmp_path / "i")
    assert report.files_indexed == 1 and not report.skipped
    assert len(report.warnings) == 1 and report.warnings[0].startswith("bad.txt:")
    assert "not UTF-8 replaced by" in report.warnings[0]
    with zhsearch.open_index(tmp_path / "i") as idx:
        assert idx.search("协商还款", limit=1)[0].source == "bad.txt"


def test_a_legacy_file_is_not_taken_for_damaged_utf8():
    for text, encoding in ((SIMPLIFIED * 3, "gbk"), (TRADITIONAL * 3, "big5")):
        decoded = decode_bytes(text.encode(encoding))
        assert decoded.text == text and decoded.replaced == 0
    with pytest.raises(UnreadableFileError):  # mostly bad: not text
        decode_bytes(bytes(range(0x80, 0x100)) * 40)
