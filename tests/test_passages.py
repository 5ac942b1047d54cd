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
    # a title stands above the text: a heading after the first paragraph (however
    # it is wrapped) names a section; a byline above a heading is no paragraph
    wrapped = ("列出目录的内容，默认为当前目录。\n如果没有指定任何选项，\n则按名称的字母顺序\n列出每个文件的信息，\n包括隐藏文件以外的所有条目。\n\n"
               "逐列列出全部项目\n\n按列输出，每列之间用空格分开，宽度由终端决定。\n\n"
               "使用较长格式列出\n\n每行一个文件，显示权限、大小和修改时间。\n")
    assert split_passages(wrapped, "list.txt")[0].title == "list"
    byline = ("作者：张三 发布时间：2024-05-01 09:00 来源：某某技术社区 阅读：1234 评论：56 收藏：7\n\n"
              "网络配置完整指南\n\n本文说明如何配置网络代理和防火墙。\n\n代理服务器设置方法\n\n在设置中填写代理地址。\n")
    assert split_passages(byline, "meta.txt")[0].title == "网络配置完整指南"


def test_a_comment_section_header_is_text_of_the_section():
    text = "标题标题标题标题\n\n正文第一段，说明情况。\n\n网友评论（12）\n\n评论的内容在这里。\n"
    passages = split_passages(text, "c.txt")
    assert any("网友评论" in p.text and p.kind == "comment" for p in passages)


def test_an_address_table_is_no_outline():
    """Addresses (192.168.1.30) are not section numbers: three of them do not make
    the document's lone headings body, nor head the sections after them."""
    text = ("家庭网络设置\n\n准备工作\n\n先确认路由器已经接通电源，并用网线连接到电脑的网口上。\n\n"
            "地址列表\n\n192.168.1.10 文件服务器\n192.168.1.20 打印机\n192.168.1.30 网络存储\n\n"
            "分配地址\n\n在路由器的管理页面里为每台设备绑定固定地址，保存后重启。\n")
    by_text = {p.text[:6]: p.heading for p in split_passages(text, "net.txt")}
    assert by_text["先确认路由器"] == "准备工作"
    assert by_text["192.16"] == "地址列表"
    assert by_text["在路由器的管"] == "分配地址"


def test_a_contents_list_is_one_passage_and_its_sections_keep_their_text():
    text = ("操作手册\n\n本手册说明软件的安装和配置方法，请按照顺序阅读。\n\n"
            "1.1 安装软件包\n1.2 配置网络代理\n1.3 启动服务\n\n1.1 安装软件包\n\n"
            "下载安装包后双击运行，按提示完成安装步骤即可开始使用。\n\n1.2 配置网络代理\n\n"
            "在设置中填写代理服务器地址和端口，保存后重启应用。\n")
    passages = [(p.heading, p.text) for p in split_passages(text, "m.txt")]
    assert passages == [("", "操作手册本手册说明软件的安装和配置方法，请按照顺序阅读。"),
                        ("", "1.1 安装软件包 1.2 配置网络代理 1.3 启动服务"),
                        ("1.1 安装软件包", "下载安装包后双击运行，按提示完成安装步骤即可开始使用。"),
                        ("1.2 配置网络代理", "在设置中填写代理服务器地址和端口，保存后重启应用。")]


def test_a_numbered_section_names_no_document():
    """A contents list at the top: its lines are sections, not the title, so the
    sections below keep their headings."""
    text = ("操作手册\n\n1.1 安装软件包\n1.2 配置网络代理\n1.3 启动服务\n\n1.1 安装软件包\n\n"
            "下载安装包后双击运行，按提示完成安装步骤即可开始使用。\n\n1.2 配置网络代理\n\n"
            "在设置中填写代理服务器地址和端口，保存后重启应用。\n")
    passages = split_passages(text, "m.txt")
    assert {p.title for p in passages} == {"m"}
    assert [p.heading for p in passages if "代理服务器" in p.text] == ["1.2 配置网络代理"]
