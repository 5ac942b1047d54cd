from zhsearch.reading.boilerplate import is_comment_header
from zhsearch.reading.passages import clean_line, read_text, split_passages
from zhsearch.text.normalize import to_simplified

from conftest import CORPUS


def test_headings_travel_with_their_paragraphs():
    text = "文章标题很长很长的标题\n\n一、背景\n\n第一段正文。\n\n1. 小节\n第二段正文。\n"
    passages = split_passages(text, "a.txt")
    assert [(p.heading, p.text, p.line) for p in passages] == [
        ("一、背景", "第一段正文。", 5),
        ("一、背景 › 1. 小节", "第二段正文。", 8),
    ]
    assert passages[0].title == "文章标题很长很长的标题"


def test_long_paragraph_is_cut_at_sentence_ends():
    sentence = "这是一个用于测试切分的句子，内容不长但重复很多次。"
    passages = split_passages(sentence * 40, "long.txt")
    assert len(passages) > 2
    assert all(p.text.endswith("。") for p in passages)
    assert "".join(p.text for p in passages) == sentence * 40


def test_shipped_corpus_passages_have_no_pinyin_glosses():
    for path in CORPUS.glob("*.txt"):
        for p in split_passages(read_text(path), path.name):
            assert "(wǎng)" not in p.text and "(yīng)" not in p.text
            assert "(" + "huì" + ")" not in p.text


def test_traditional_document_keeps_its_script():
    path = CORPUS / "003_107d5c6a02a6c2dc.txt"
    passages = split_passages(read_text(path), path.name)
    assert passages[0].title == "網貸逾期說要工作人員上門取證應該怎么辦"
    assert any("上門取證的主要目的" in p.text for p in passages)


def test_no_line_of_a_web_page_is_left_out_for_what_it_says():
    path = CORPUS / "003_107d5c6a02a6c2dc.txt"
    text = read_text(path)
    passages = split_passages(text, path.name)
    body = "".join("".join(p.text.split()) for p in passages)
    headings = {h for p in passages for h in (*p.heading.split(" › "), p.title)}
    for line in text.splitlines():
        line = clean_line(line)
        if any(ch.isalnum() for ch in line) and not is_comment_header(to_simplified(line)):
            assert "".join(line.split()) in body or line in headings, line  # spam and copyright lines too


def test_comment_section_is_marked():
    text = "标题标题标题标题\n\n正文第一段，说明情况。\n\n精彩评论\n\n头像 网友 2025-03-15\n评论的内容在这里。\n"
    passages = split_passages(text, "c.txt")
    assert [p.kind for p in passages] == ["body", "comment"]


def test_markdown_markup_is_stripped():
    text = "# 标题一二三四五六\n\n## 小节\n\n这是**加粗**和[链接](http://example.com)的正文。\n"
    passages = split_passages(text, "a.md")
    assert passages[0].text == "这是加粗和链接的正文。"
    assert passages[0].title == "标题一二三四五六"
    assert passages[0].heading == "小节"


def test_dated_bylines_are_passage_text_not_headings():
    text = (
        "网贷逾期后催收人员真的会上门吗\n\n合飞律师3个月前 (03-25)金融债务4\n\n"
        "首先需要明确的是，正规平台不会轻易上门。\n\n逾期法务 2024-10-14 03:19:52\n\n第二段正文。\n"
    )
    passages = split_passages(text, "b.txt")
    # (short paragraphs are read with the next one: a paragraph under MIN_PASSAGE_CHARS)
    assert [p.heading for p in passages] == ["", ""]
    assert "".join(p.text for p in passages).replace(" ", "") == (
        "合飞律师3个月前(03-25)金融债务4首先需要明确的是，正规平台不会轻易上门。逾期法务2024-10-1403:19:52第二段正文。")
    # lone lines that make a pattern are headings, one that names a year among them too
    text = "标题标题标题标题\n\n2024年工作回顾\n\n正文。\n\n2025年工作计划\n\n正文二。\n"
    assert [p.heading for p in split_passages(text, "y.txt")] == ["2024年工作回顾", "2025年工作计划"]


def _titles_and_headings(text, source, title=None):
    markup = not source.endswith(".txt")  # the HTML reader writes its headings as Markdown's
    return [(p.title, p.heading, p.text) for p in split_passages(text, source, markup, title=title)]


def test_a_markdown_h1_is_the_title_not_a_section():
    text = "# 安装指南\n\n## 下载安装程序\n\n从官网下载安装程序。\n\n## 设置虚拟环境\n\n运行 python -m venv .venv 创建环境。\n"
    assert _titles_and_headings(text, "guide.md") == [
        ("安装指南", "下载安装程序", "从官网下载安装程序。"),
        ("安装指南", "设置虚拟环境", "运行 python -m venv .venv 创建环境。"),
    ]


def test_a_markdown_file_of_one_h1_takes_it_as_its_title():
    assert _titles_and_headings("# 单独标题\n", "alone.md") == [("单独标题", "", "单独标题")]
    assert _titles_and_headings("# 单独标题\n\n一段正文。\n", "alone.md") == [("单独标题", "", "一段正文。")]


def test_html_title_or_first_h1_is_the_title_not_a_section():
    from zhsearch.reading.formats import html_document

    page = "<h1>安装指南</h1><h2>下载安装程序</h2><p>从官网下载安装程序。</p>"
    doc = html_document(page, "a.html")
    assert _titles_and_headings(doc.text, "a.html", doc.title) == [("安装指南", "下载安装程序", "从官网下载安装程序。")]
    doc = html_document("<title>安装指南 - 某站</title>" + page, "a.html")  # the h1 says what <title> says
    assert _titles_and_headings(doc.text, "a.html", doc.title) == [("安装指南 - 某站", "下载安装程序", "从官网下载安装程序。")]
    doc = html_document("<title>某书</title><h1>第一章 开始</h1><p>正文。</p>", "b.epub#c1.xhtml")  # a chapter of a book
    assert _titles_and_headings(doc.text, "b.epub#c1.xhtml", doc.title) == [("某书", "第一章 开始", "正文。")]


def test_plain_text_title_rule():
    """The README's rule: the first line when it stands alone and a paragraph follows it;
    else the first chapter line or heading of six Han characters or more above the text;
    else the file name."""
    article = "泡泡战士\n\n基于《跑跑卡丁车》与《泡泡堂》所开发的游戏，由韩国Nexon开发与发行。\n"
    assert _titles_and_headings(article, "0000.txt") == [("泡泡战士", "", article.split("\n")[2])]
    latin = "MIT OpenCourseWare\n\n麻省理工学院开放式课程是麻省理工学院的一个项目。\n"
    assert split_passages(latin, "0016.txt")[0].title == "MIT OpenCourseWare"
    # page furniture at the top of a saved page: short lines follow it, so not the title
    page = "2025行业资讯\n\n逾期平台\n\n网贷逾期上门操作吗\n\n网贷逾期后，平台一般先打电话，很少上门。\n"
    assert split_passages(page, "002.txt")[0].title == "网贷逾期上门操作吗"
    assert split_passages("第一段正文没有标题。\n\n第二段正文。\n", "notes.txt")[0].title == "notes"
    # a title stands above the text: a heading after the first paragraph names a section
    manual = ("LS(1)" + " " * 30 + "用户命令" + " " * 30 + "LS(1)\n\n"
              "ls - 列出目录内容。列出指定文件（默认为当前目录）的信息，如果没有指定任何选项，则按字母排序列出。\n\n"
              "-C     逐列列出项目\n\n-l     使用较长格式列出信息\n\n按列输出，每列之间用空格分开，宽度由终端决定。\n")
    assert split_passages(manual, "man1-ls.1.txt")[0].title == "man1-ls.1"


def test_a_comment_section_header_is_text_of_the_section():
    text = "标题标题标题标题\n\n正文第一段，说明情况。\n\n网友评论（12）\n\n评论的内容在这里。\n"
    passages = split_passages(text, "c.txt")
    assert any("网友评论" in p.text and p.kind == "comment" for p in passages)
