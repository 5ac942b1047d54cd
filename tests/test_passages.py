from zhsearch.reading.boilerplate import is_boilerplate, is_spam
from zhsearch.reading.passages import read_text, split_passages

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


def test_furniture_and_spam_lines_are_not_passages():
    assert is_boilerplate("Copyright ? 2000 - 2023 All Rights Reserved.")
    assert is_boilerplate("皖ICP备2023000799号-2.")
    assert is_boilerplate("扫描二维码推送至手机访问。")
    assert is_spam("免费一级毛片在线播放视频黄,91精品人妻综合导航")
    assert not is_boilerplate("正规的网贷平台并不会轻易采取上门催收的方式。")
    path = CORPUS / "003_107d5c6a02a6c2dc.txt"
    texts = " ".join(p.text for p in split_passages(read_text(path), path.name))
    assert "毛片" not in texts


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


def test_dated_bylines_are_neither_headings_nor_passages():
    text = (
        "网贷逾期后催收人员真的会上门吗\n\n合飞律师3个月前 (03-25)金融债务4\n\n"
        "首先需要明确的是，正规平台不会轻易上门。\n\n逾期法务 2024-10-14 03:19:52\n\n第二段正文。\n"
    )
    passages = split_passages(text, "b.txt")
    # (the two short paragraphs are one passage: a paragraph under MIN_PASSAGE_CHARS
    # is read with the next one)
    assert [(p.heading, p.text) for p in passages] == [
        ("", "首先需要明确的是，正规平台不会轻易上门。第二段正文。"),
    ]
    # a heading that merely names a year is still a heading
    assert split_passages("标题标题标题标题\n\n2024年工作回顾\n\n正文。\n", "y.txt")[0].heading == "2024年工作回顾"
