"""PDF, Word and EPUB files: real files written by real writers, indexed and searched."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

import zhsearch
from zhsearch.interfaces.cli import main
from zhsearch.reading.passages import read_corpus_file
from zhsearch.reading.pdf import join_lines, pdf_document

from conftest import write
from makedocs import HEADER, LEASE, identity_h_pdf, write_docx, write_epub, write_pdf, write_scanned_pdf


@pytest.fixture(scope="module")
def documents_corpus(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("documents")
    write_pdf(corpus / "lease.pdf")
    write_docx(corpus / "leave.docx")
    write_epub(corpus / "flood.epub")
    write(corpus, "note.txt", "网贷逾期九千元，平台一般先电话联系，不会直接上门。\n")
    return corpus


@pytest.fixture(scope="module")
def documents_index(documents_corpus, tmp_path_factory):
    index = tmp_path_factory.mktemp("documents-index")
    report = zhsearch.build_index(documents_corpus, index)
    assert report.files_indexed == 4 and not report.skipped and not report.warnings
    with zhsearch.open_index(index) as idx:
        yield idx


@pytest.mark.parametrize(
    "query, location, heading, answer",
    [
        ("押金多久退还", "lease.pdf:p1", "第一章 租金与押金", "七日内将押金全额退还"),
        ("房屋損壞出租人不維修怎麼辦", "lease.pdf:p2", "第二章 房屋维修", "承租人可以自行维修"),
        ("出租人能不能停水停电逼我搬走", "lease.pdf:p3", "第三章 合同解除", "不得停水停电"),
        ("工作满十年年休假有几天", "leave.docx:4", "一、年休假", "年休假五天；满十年不满二十年的，年休假十天"),
        ("病假工资怎么发", "leave.docx:7", "二、病假 › （一）病假工资", "百分之八十"),
        ("婚假有幾天", "leave.docx:10", "三、其他假期", "婚假；天数：3天"),
        ("红色预警学校要停课吗", "flood.epub#c1.xhtml:7", "第一章 暴雨预警 › 红色预警", "应当停课"),
        ("車輛涉水熄火怎麼辦", "flood.epub#c2.xhtml:5", "第二章 积水避险 › 车辆涉水", "不要再次启动发动机"),
    ],
)
def test_the_answering_passage_of_each_format_comes_first(documents_index, query, location, heading, answer):
    hit = documents_index.search(query, limit=3)[0]
    assert (hit.location, hit.heading) == (location, heading)
    assert answer in hit.text


def test_pdf_paragraphs_are_joined_without_spaces_and_page_furniture_is_dropped(tmp_path):
    document = pdf_document(write_pdf(tmp_path / "lease.pdf").read_bytes(), "lease.pdf")
    passages = read_corpus_file(tmp_path / "lease.pdf", "lease.pdf").passages
    written = [p for _, paragraphs in LEASE for p in paragraphs]
    assert [p.text for p in passages] == written  # every line break inside a paragraph closed up
    assert HEADER not in document.text and "- 2 -" not in document.text
    # the last paragraph runs from page 3 on to page 4: one passage, on the page it starts
    assert [p.location for p in passages] == ["lease.pdf:p1", "lease.pdf:p1", "lease.pdf:p2", "lease.pdf:p3"]
    assert document.pages[-1] == 3 and len(document.pages) == len(document.text.split("\n"))
    assert {p.title for p in passages} == {"住房租赁管理办法"}  # the PDF's own title


def test_cli_and_json_show_the_page(documents_corpus, documents_index, tmp_path):
    runner = CliRunner()
    index = documents_index.path
    plain = runner.invoke(main, ["search", "押金多久退还", "--index", str(index), "-n", "1"])
    assert plain.exit_code == 0, plain.output
    assert " 1. lease.pdf:p1  score" in plain.output
    assert "住房租赁管理办法 › 第一章 租金与押金" in plain.output
    data = json.loads(runner.invoke(main, ["search", "病假工资", "--index", str(index), "--json"]).output)
    first = data["hits"][0]
    assert (first["source"], first["line"], first["page"]) == ("leave.docx", 7, 0)
    pdf_hit = json.loads(runner.invoke(main, ["search", "押金", "--index", str(index), "--json"]).output)["hits"][0]
    assert (pdf_hit["source"], pdf_hit["page"]) == ("lease.pdf", 1)


def test_a_scan_without_text_layer_and_corrupt_files_get_one_warning_each(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_scanned_pdf(corpus / "scan.pdf")
    (corpus / "broken.docx").write_bytes(b"PK\x03\x04 this is not a Word file")
    (corpus / "broken.epub").write_bytes(b"not a zip at all")
    (corpus / "nomap.pdf").write_bytes(identity_h_pdf(["第一条 借款人逾期三个月，出借人可以依法起诉。"], to_unicode=False))
    write_docx(corpus / "leave.docx")
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("zhsearch: warning:")]
    assert warnings == [
        "zhsearch: warning: broken.docx: not a readable Word file (BadZipFile); skipped",
        "zhsearch: warning: broken.epub: not a readable EPUB (BadZipFile); skipped",
        "zhsearch: warning: nomap.pdf: its text layer is unreadable (fonts without a Unicode map); "
        "OCR it first; skipped",
        "zhsearch: warning: scan.pdf: no text layer; OCR it first; skipped",
    ]
    assert "Traceback" not in result.output
    assert "indexed 1 file," in result.output and "skipped 4 unreadable files" in result.output
    with zhsearch.open_index(tmp_path / "index") as idx:
        assert idx.search("婚假", limit=1)[0].source == "leave.docx"


def test_a_truncated_or_locked_pdf_is_one_warning_and_nothing_else_on_stderr(tmp_path):
    import io

    import pypdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = write_pdf(tmp_path / "lease.pdf").read_bytes()
    (corpus / "half.pdf").write_bytes(data[: len(data) // 2])
    locked = pypdf.PdfWriter(clone_from=str(tmp_path / "lease.pdf"))
    locked.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    locked.write(buffer)
    (corpus / "locked.pdf").write_bytes(buffer.getvalue())
    write(corpus, "note.txt", "押金应当在七日内退还。\n")
    # a real process: in this one, pytest's log capture would hide what pypdf logs
    result = subprocess.run(
        [sys.executable, "-m", "zhsearch", "index", "--corpus", str(corpus), "--index", str(tmp_path / "index")],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "zhsearch: warning: half.pdf: not a readable PDF (PdfStreamError); skipped",
        "zhsearch: warning: locked.pdf: the PDF is locked with a password; skipped",
    ]
    assert "indexed 1 file," in result.stdout and "skipped 2 unreadable files" in result.stdout


def test_without_the_documents_extra_one_warning_names_it_and_the_summary_counts(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_pdf(corpus / "lease.pdf")
    write_docx(corpus / "leave.docx")
    write_epub(corpus / "flood.epub")  # read with the standard library: no extra needed
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf / docx now raise ImportError
    monkeypatch.setitem(sys.modules, "docx", None)
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("zhsearch: warning:")]
    assert warnings == [
        "zhsearch: warning: 2 PDF/Word files skipped (lease.pdf, leave.docx): "
        "reading them needs the documents extra: pip install 'zhsearch[documents]'"
    ]
    assert "indexed 1 file," in result.output
    assert "skipped 2 PDF/Word files (pip install 'zhsearch[documents]' reads them)" in result.output


def test_an_edited_document_is_reindexed_and_a_touched_one_is_not(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_docx(corpus / "leave.docx")
    write_pdf(corpus / "lease.pdf")
    zhsearch.build_index(corpus, tmp_path / "index")
    write_pdf(corpus / "lease.pdf")  # rewritten, same text: a new file time, the same content
    import docx

    d = docx.Document(str(corpus / "leave.docx"))
    d.add_paragraph("员工生育子女的，男方享受陪产假十五天。")
    d.save(str(corpus / "leave.docx"))
    report = zhsearch.build_index(corpus, tmp_path / "index")
    assert (report.mode, report.files_indexed) == ("update", 1)
    with zhsearch.open_index(tmp_path / "index") as idx:
        hit = idx.search("陪产假几天", limit=1)[0]
        assert hit.source == "leave.docx" and "十五天" in hit.text



def test_pdf_headings_come_from_the_outline_when_the_type_does_not_show_them(tmp_path):
    path = write_pdf(tmp_path / "plain.pdf", heading_size=12, outline=True)
    document = pdf_document(path.read_bytes(), "plain.pdf")
    assert [line for line in document.text.splitlines() if line.startswith("#")] == [
        "# " + heading for heading, _ in LEASE
    ]
    without = pdf_document(write_pdf(tmp_path / "flat.pdf", heading_size=12).read_bytes(), "flat.pdf")
    assert not any(line.startswith("#") for line in without.text.splitlines())


def test_pdf_vertical_punctuation_reads_as_its_horizontal_form(tmp_path):
    sections = [("第一章 总则", ["借款人逾期︐出借人可以依法起诉︒"]), ("第二章 附则", ["本办法自公布之日起施行︒"])]
    passages = read_corpus_file(write_pdf(tmp_path / "v.pdf", sections), "v.pdf").passages
    assert [p.text for p in passages] == ["借款人逾期，出借人可以依法起诉。", "本办法自公布之日起施行。"]


@pytest.mark.parametrize(
    "left, right, joined",
    [
        ("出租人应当在七日内将押金", "全额退还承租人。", "出租人应当在七日内将押金全额退还承租人。"),
        ("依照《民法典》第", "703条的规定", "依照《民法典》第703条的规定"),
        ("the landlord shall give", "thirty days notice", "the landlord shall give thirty days notice"),
        ("written no-", "tice is required", "written notice is required"),
        ("租期为 12", "个月", "租期为 12个月"),
    ],
)
def test_pdf_line_breaks_join_without_a_space_in_chinese_and_with_one_in_latin(left, right, joined):
    assert join_lines(left, right) == joined


def test_the_document_view_lists_a_pdf_passage_with_its_page(documents_index):
    document = documents_index.document("lease.pdf")
    assert [p.page for p in document.passages] == [1, 1, 2, 3]
    assert document.to_dict()["passages"][2]["page"] == 2
    chapter = documents_index.document("flood.epub#c2.xhtml")
    assert chapter.title == "城市防汛手册" and chapter.passages[0].heading == "第二章 积水避险 › 车辆涉水"


def test_a_pdf_with_only_its_title_in_large_type_keeps_its_numbered_headings(tmp_path):
    sections = [("一、租金与押金", LEASE[0][1]), ("二、房屋维修", LEASE[1][1])]
    path = write_pdf(tmp_path / "notice.pdf", sections, heading_size=12, title="关于规范住房租赁的通知")
    passages = read_corpus_file(path, "notice.pdf").passages
    assert [(p.title, p.heading, p.page) for p in passages] == [
        ("关于规范住房租赁的通知", "一、租金与押金", 1),
        ("关于规范住房租赁的通知", "一、租金与押金", 1),
        ("关于规范住房租赁的通知", "二、房屋维修", 2),
    ]


def _rezip(source, target, change) -> None:
    """A copy of the zip ``source`` at ``target``, each member passed through
    ``change(info, data) -> (info, data)`` (raw: the data as it will be stored)."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            info, data = change(info, old.read(info))
            new.writestr(info, data)


def _patch_header(path, name: str, **fields) -> None:
    """Rewrite fields of one member's local and central headers in place (what a
    damaged or foreign zip holds): ``method``, ``flags``."""
    import struct

    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, flag_at, method_at, name_at in ((b"PK\x03\x04", 6, 8, 30), (b"PK\x01\x02", 8, 10, 46)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            length = struct.unpack_from("<H", data, at + name_at - (4 if signature == b"PK\x03\x04" else 18))[0]
            if bytes(data[at + name_at : at + name_at + length]) == encoded:
                if "flags" in fields:
                    struct.pack_into("<H", data, at + flag_at, fields["flags"])
                if "method" in fields:
                    struct.pack_into("<H", data, at + method_at, fields["method"])
            at += 4
    path.write_bytes(bytes(data))


def _damaged(good, target, how: str, member: str):
    """A copy of the zip ``good`` at ``target`` with one member damaged ``how``."""
    import zipfile

    with zipfile.ZipFile(good) as book:
        name = next(n for n in book.namelist() if n.endswith(member))
    if how == "truncated":
        data = good.read_bytes()
        target.write_bytes(data[: len(data) // 2])
    elif how == "corrupt deflate":
        def change(info, data):
            if info.filename == name:
                info.compress_type = zipfile.ZIP_DEFLATED
            return info, data
        _rezip(good, target, change)
        raw = bytearray(target.read_bytes())
        with zipfile.ZipFile(target) as book:
            info = book.getinfo(name)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for at in range(start + 2, start + min(info.compress_size, 40)):
            raw[at] ^= 0xFF
        target.write_bytes(bytes(raw))
    else:
        target.write_bytes(good.read_bytes())
        _patch_header(target, name, **({"flags": 0x1} if how == "encrypted" else {"method": 99}))
    return target


# The fault-injection matrix of the zip formats: each way a member can fail to
# unpack, on a chapter, the OPF and the Word body.
ZIP_DAMAGE = [("epub", how, member) for how in ("encrypted", "unsupported method", "corrupt deflate")
              for member in ("c1.xhtml", "content.opf")] + \
             [("docx", how, "word/document.xml") for how in ("encrypted", "unsupported method", "corrupt deflate")] + \
             [("epub", "truncated", "content.opf"), ("docx", "truncated", "word/document.xml")]


@pytest.mark.parametrize("kind, how, member", ZIP_DAMAGE, ids=[f"{k}-{h}-{m}" for k, h, m in ZIP_DAMAGE])
def test_a_zip_document_with_a_member_it_cannot_unpack_is_one_warning_never_a_traceback(tmp_path, kind, how, member):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = (write_epub if kind == "epub" else write_docx)(tmp_path / f"good.{kind}")
    _damaged(good, corpus / f"book.{kind}", how, member)
    write(corpus, "note.txt", "押金应当在七日内退还。\n")
    result = CliRunner().invoke(main, ["index", "--corpus", str(corpus), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("zhsearch: warning:")]
    assert len(warnings) == 1 and f"book.{kind}" in warnings[0] and "skipped" in warnings[0], result.output
    if member == "c1.xhtml":  # one chapter lost; the other is indexed
        assert "#c1.xhtml: chapter unreadable" in warnings[0]
        with zhsearch.open_index(tmp_path / "index") as idx:
            assert idx.search("车辆涉水", limit=1)[0].source == "book.epub#c2.xhtml"
    else:
        assert ("not a readable EPUB" if kind == "epub" else "not a readable Word file") in warnings[0]
    assert "indexed" in result.output and "Traceback" not in result.output


def test_a_reader_that_fails_on_one_file_never_stops_a_build(tmp_path, monkeypatch):
    """A reader's unforeseen exception skips that file with one warning; the others are indexed."""
    from zhsearch.reading import documents

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_epub(corpus / "book.epub")
    write(corpus, "note.txt", "押金应当在七日内退还。\n")
    monkeypatch.setattr(documents, "epub_documents", lambda data, source: 1 / 0)
    report = zhsearch.build_index(corpus, tmp_path / "index")
    assert report.files_indexed == 1 and len(report.skipped) == 1
    assert report.skipped[0].startswith("book.epub: zhsearch could not read it (ZeroDivisionError")


def test_an_epub_chapter_that_unpacks_too_large_is_skipped_before_it_is_unpacked(tmp_path, monkeypatch):
    import zipfile

    from zhsearch.reading import documents

    good = write_epub(tmp_path / "good.epub")
    big = tmp_path / "big.epub"
    filler = "<p>" + "暴雨" * 300_000 + "</p>"

    def change(info, data):
        if info.filename.endswith("c2.xhtml"):
            info.compress_type = zipfile.ZIP_DEFLATED
            data = data.replace(b"</body>", filler.encode() + b"</body>")
        return info, data

    _rezip(good, big, change)
    assert big.stat().st_size < 100_000  # a small file that unpacks large
    monkeypatch.setattr(documents, "MAX_CHAPTER_BYTES", 1_000_000)
    found, warnings = documents.epub_documents(big.read_bytes(), "big.epub")
    assert [d.source for d in found] == ["big.epub#c1.xhtml"]
    assert len(warnings) == 1 and warnings[0].startswith("big.epub#c2.xhtml: chapter unreadable (")
    assert "MB, over the" in warnings[0]
    monkeypatch.setattr(documents, "MAX_UNPACKED_BYTES", 1_000_000)
    with pytest.raises(zhsearch.UnreadableFileError, match="big.epub: the EPUB unpacks to"):
        documents.epub_documents(big.read_bytes(), "big.epub")
    docx_file = write_docx(tmp_path / "leave.docx")
    monkeypatch.setattr(documents, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(zhsearch.UnreadableFileError, match="leave.docx: the Word file unpacks to"):
        documents.docx_document(docx_file.read_bytes(), "leave.docx")


def test_a_long_word_file_is_read_in_time_linear_in_its_paragraphs(tmp_path, monkeypatch):
    """Each paragraph's style is found in a table read once, not through the style sheet each time."""
    import io

    import docx
    from docx.parts.document import DocumentPart

    from zhsearch.reading.documents import docx_document

    d = docx.Document()
    d.add_heading("第一章", 1)
    for i in range(300):
        d.add_paragraph(f"第{i}条 员工病假期间按照本人工资发放。", style="List Bullet" if i % 2 else None)
    buffer = io.BytesIO()
    d.save(buffer)
    lookups = []
    original = DocumentPart.get_style
    monkeypatch.setattr(DocumentPart, "get_style", lambda *a: lookups.append(1) or original(*a))
    document = docx_document(buffer.getvalue(), "long.docx")
    assert document.text.startswith("# 第一章") and document.text.count("员工病假") == 300
    assert len(lookups) <= 2  # not once a paragraph

def test_a_word_table_is_read_row_by_row_never_glued(tmp_path):
    """Rows under a header name their columns, each row one line ending as a sentence:
    read with the text around it, 3天 is never glued to the next row's 假期类型."""
    import docx

    from zhsearch.reading.documents import docx_document
    from zhsearch.reading.passages import document_passages

    d = docx.Document()
    d.add_heading("请假规定", 1)  # heading styles: the document marks its own headings
    d.add_paragraph("病假需提交发票。")
    table = d.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("假期类型", "天数"), ("婚假", "3天"), ("产假", "158天")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    d.save(str(tmp_path / "leave.docx"))
    document = docx_document((tmp_path / "leave.docx").read_bytes(), "leave.docx")
    assert "假期类型：婚假；天数：3天。\n\n假期类型：产假；天数：158天。" in document.text
    text = " ".join(p.text for p in document_passages([document]))
    assert "3天。假期类型：产假；天数：158天。" in text and "3天假期类型" not in text


def test_an_html_table_is_read_row_by_row_as_a_word_table_is():
    from zhsearch.reading.formats import html_document

    page = ("<p>病假需提交发票。</p><table><caption>表 1 假期</caption><thead><tr><th>假期类型</th><th>天数</th></tr></thead>"
            "<tr><td>婚假</td><td>3天</td></tr><tr><td><p>产假</p></td><td>158天</td></tr></table><p>以上按自然日计算。</p>")
    assert html_document(page, "a.html").text.split("\n\n") == [
        "病假需提交发票。", "表 1 假期", "假期类型：婚假；天数：3天。", "假期类型：产假；天数：158天。", "以上按自然日计算。\n"]
