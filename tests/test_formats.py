import json

import zhsearch
from zhsearch.reading.formats import html_document, jsonl_documents

from conftest import write

PAGE = """<!doctype html><html><head><title>网贷逾期会上门吗</title>
<style>.x{color:red}</style><script>var spam = "上门催收广告";</script></head>
<body><nav>首页 | 金融债务 | 登录</nav>
<h1>网贷逾期会上门吗</h1>
<h2>一、上门的条件</h2>
<p>只有在多次联系无果且金额较大时，平台才可能派人上门核实。</p>
<p>催收人员不得&nbsp;暴力催收。</p>
<footer>Copyright 2025 某某网</footer></body></html>"""


def test_html_visible_text_only_with_title_and_headings():
    doc = html_document(PAGE, "page.html")
    assert doc.title == "网贷逾期会上门吗"
    assert "var spam" not in doc.text and "color:red" not in doc.text
    assert "首页" not in doc.text and "Copyright" not in doc.text
    passages = zhsearch.split_passages(doc.text, "page.html", markdown=True, title=doc.title)
    # the h2 is the heading; the two short <p> are read as one passage (MIN_PASSAGE_CHARS)
    assert [p.heading for p in passages] == ["一、上门的条件"]
    assert passages[0].text == "只有在多次联系无果且金额较大时，平台才可能派人上门核实。催收人员不得 暴力催收。"


def test_jsonl_records_are_documents_and_bad_lines_are_reported():
    lines = [
        json.dumps({"id": "q1", "title": "征信问题", "text": "逾期记录会在征信报告中保留五年。"}, ensure_ascii=False),
        "{not json",
        json.dumps({"text": "协商还款可以减免部分利息。"}, ensure_ascii=False),
        json.dumps({"id": 7}),
    ]
    documents, warnings = jsonl_documents("\n".join(lines), "faq.jsonl")
    assert [d.source for d in documents] == ["faq.jsonl#q1", "faq.jsonl#3"]
    assert documents[0].title == "征信问题"
    assert [w.split(":")[1] for w in warnings] == ["2", "4"]


def test_html_and_jsonl_are_indexed_and_searchable(tmp_path):
    corpus = tmp_path / "c"
    write(corpus, "page.htm", PAGE)
    write(corpus, "faq.jsonl", json.dumps({"id": "a", "text": "逾期记录会在征信报告中保留五年。"}, ensure_ascii=False) + "\n{bad\n")
    report = zhsearch.build_index(corpus, tmp_path / "i")
    assert report.files_indexed == 2 and len(report.warnings) == 1
    with zhsearch.open_index(tmp_path / "i") as idx:
        hit = idx.search("征信报告保留多久", limit=1)[0]
        assert hit.source == "faq.jsonl#a"
        assert idx.search("多次联系无果", limit=1)[0].source == "page.htm"
        assert len(idx.search("广告")) == 0  # script text is not indexed
    # an edit of the JSONL file replaces its records
    write(corpus, "faq.jsonl", json.dumps({"id": "b", "text": "分期还款需要和平台协商。"}, ensure_ascii=False) + "\n")
    zhsearch.build_index(corpus, tmp_path / "i")
    with zhsearch.open_index(tmp_path / "i") as idx:
        assert len(idx.search("征信报告")) == 0
        assert idx.search("分期还款", limit=1)[0].source == "faq.jsonl#b"
