"""No line of a user's text is lost: every line of a chat log, a statute, a
manual, a novel and a table of numbered lines is found by a phrase query as passage text; and a corpus
without a lexicon of its own has no domain's related terms."""

import pytest

import zhsearch

from conftest import write

PROBE = {
    "chat.txt": "[2024-05-01 09:15] 张三：明天上午开会吗？\n[2024-05-01 09:16] 李四：改到下午三点了\n"
                "[2024-05-01 09:20] 张三：好的，我把报告发给你\n12:03 王五 已撤回一条消息\n",
    "statute.txt": "第一章 总则\n\n第十二条 未经许可，任何单位不得擅自经营网络借贷业务。\n\n"
                   "第十三条 版权所有的作品，未经著作权人同意不得复制发行。\n\n本条例自2024年1月1日起施行。\n",
    "manual.md": "# 电饭煲使用说明\n\n## 清洁保养\n\n每次使用后请拔下电源，用湿布擦拭内胆外壁。\n\n"
                 "联系方式：400-800-1234（工作日 9:00-18:00）\n\n更多说明请访问 https://example.com/manual\n",
    "novel.txt": "第一章 雨夜\n\n那天晚上雨下得很大，她站在门口很久没有说话。\n\n“你真的要走吗？”\n\n"
                 "他没有回答，只是把伞递给了她。\n\n“路上小心。”\n",
    # a last line alone that reads as a heading, after too little text to be a paragraph:
    # nothing stands below it, so it names no document (it became the title and was lost)
    "afterword.txt": "他推开门走了出去。\n\n第一卷完结感谢各位读者支持\n",
    # lines that open like section numbers (1.2, 8.3.) with nothing under them: a
    # table of addresses, a contents list
    "hosts.txt": "查询结果如下：\n\n192.168.35.10 文件服务器 [WORKGROUP]\n192.168.35.55 打印服务器 [MYGROUP]\n"
                 "192.168.35.56 备份主机 [HERB]\n\n1.1 安装软件包\n1.2 配置网络\n1.3 启动服务\n",
}


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("probe")
    for name, text in PROBE.items():
        write(corpus, name, text)
    index = tmp_path_factory.mktemp("probe-index")
    zhsearch.build_index(corpus, index)
    with zhsearch.open_index(index) as idx:
        yield idx


def _lines():
    for name, text in PROBE.items():
        for line in text.splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "第一章")):  # headings: the context of their sections
                yield name, line


@pytest.mark.parametrize("name, line", list(_lines()))
def test_every_line_is_found_as_passage_text_by_a_phrase_query(probe, name, line):
    # the longest run of letters and Han characters of the line, quoted: a phrase
    phrase = max("".join(ch if ch.isalnum() else " " for ch in line).split(), key=len)
    hits = probe.search(f'"{phrase}"', limit=50)
    assert any(h.source == name and phrase in h.text for h in hits), (phrase, [h.text for h in hits])


def test_dialogue_is_not_the_heading_of_the_next_paragraph(probe):
    [hit] = [h for h in probe.search('"把伞递给了她"') if h.source == "novel.txt"]
    assert "你真的要走吗" not in hit.heading


def test_no_domain_words_without_a_lexicon(tmp_path):
    """联系方式 does not find a passage holding only 方法: related terms come
    from a corpus's own lexicon (.zhsearch/), and this one has none."""
    corpus = tmp_path / "c"
    write(corpus, "tea.txt", "泡茶的方法\n\n先用热水温杯，再放入茶叶，冲泡三分钟即可。\n")
    zhsearch.build_index(corpus, tmp_path / "ix")
    with zhsearch.open_index(tmp_path / "ix") as idx:
        assert idx.search("联系方式").total == 0
        assert idx.search("方法").total == 1


def test_a_corpus_lexicon_travels_with_the_corpus(tmp_path):
    corpus = tmp_path / "c"
    write(corpus, "a.txt", "催收的标题很长很长\n\n对方多次打电话恐吓借款人，说要去他的单位闹事。\n")
    zhsearch.build_index(corpus, tmp_path / "without")
    write(corpus, ".zhsearch/synonyms.txt", "威胁 恐吓\n")
    zhsearch.build_index(corpus, tmp_path / "with")
    with zhsearch.open_index(tmp_path / "with") as a, zhsearch.open_index(tmp_path / "without") as b:
        assert [h.source for h in a.search("威胁")] == ["a.txt"]
        assert b.search("威胁").total == 0
    # an update notices the lexicon changed and builds the index again
    zhsearch.build_index(corpus, tmp_path / "without")
    with zhsearch.open_index(tmp_path / "without") as b:
        assert [h.source for h in b.search("威胁")] == ["a.txt"]


def test_page_furniture_left_out_is_counted_and_listed(tmp_path):
    corpus = tmp_path / "c"
    write(corpus, "page.html", "<html><head><title>泡茶</title></head><body><nav>首页 关于我们</nav>"
                               "<p>先用热水温杯，再放入茶叶。</p><footer>版权所有</footer></body></html>")
    zhsearch.build_index(corpus, tmp_path / "ix")
    with zhsearch.open_index(tmp_path / "ix") as idx:
        [listed] = idx.files()
        assert dict(listed.left_out) == {"html <nav>": 6, "html <footer>": 4}  # characters, by why
        assert idx.stats()["left_out"] == {"html <footer>": 4, "html <nav>": 6, "files skipped": 0}
