"""Cross-strait wording: Taiwan and Hong Kong text meets Mainland questions, and back,
with highlights on the characters as written (zhsearch.text.normalize.to_mainland)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhsearch
from zhsearch.text.normalize import fold_text, normalize_text, script_variety, to_mainland, wording_changes

from conftest import write


def test_taiwan_wording_becomes_mainland_and_simplified_text_is_left_alone():
    assert to_mainland("編譯並安裝程式") == "编译并安装程序"
    assert to_mainland("記憶體與伺服器的網路設定") == "内存与服务器的网络设置"
    # A phrase table is never run over simplified text: there 程序 would become 进程, 文件 文档.
    for mainland in ("编译并安装程序", "打开这个文件", "解方程式", "这段程式码很短"):
        assert script_variety(mainland) == "simplified"
        assert to_mainland(mainland) == mainland
    # One traditional character in a simplified page does not make it Taiwanese.
    assert script_variety("这个文件的程序在著名的目录里，一共有二十多个文件。") == "simplified"


def test_hong_kong_text_keeps_its_words():
    text = "呢個程序喺電腦裏面運行，軟件安裝好之後要重新啟動。"
    assert script_variety(text) == "hongkong"
    assert to_mainland(text) == "呢个程序喺电脑里面运行，软件安装好之后要重新启动。"  # 程序 stays 程序


def test_a_taiwan_text_writing_the_variant_裏_keeps_its_taiwan_wording():
    # 裏 着 衞 are OpenCC's own traditional forms, common on Taiwan pages: no sign of Hong Kong.
    text = "叫它樹是因爲如果你畫出檔案系統，它看起來就像一棵樹裏的枝幹。"
    assert script_variety(text) == "taiwan"
    assert "文件系统" in to_mainland(text)


def test_offsets_of_a_phrase_that_changes_length_cover_the_word_as_written():
    text = "記憶體不足，請關閉程式"
    norm = normalize_text(text)
    assert norm.text == "内存不足,请关闭程序"
    start = norm.text.index("内存")
    assert text[slice(*norm.span(start, start + 2))] == "記憶體"
    assert text[slice(*norm.span(8, 10))] == "程式"
    assert wording_changes(text) == ("taiwan", [("記憶體", "内存"), ("程式", "程序")])


PIECES = ["記憶體", "伺服器", "程式", "軟體", "網路", "檔案", "預設", "列印", "滑鼠", "螢幕", "資訊",
          "編譯", "安裝", "設定", "的", "與", "，", "。", "ab", " ", "網(wǎng)", "裏"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=25))
def test_every_normalised_span_maps_back_inside_the_text_as_written(pieces):
    text = "".join(pieces)
    norm = normalize_text(text)
    assert norm.text == fold_text(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    bounds = [0]
    for piece in pieces:
        bounds.append(bounds[-1] + len(piece))
    for i in range(len(norm.text)):
        start, end = norm.span(i, i + 1)
        assert 0 <= start < end <= len(text)
        # a converted character maps inside one word of the input, never across two
        assert end <= min(b for b in bounds if b > start)
    assert list(norm.starts) == sorted(norm.starts)


def _index(tmp_path, files: dict[str, str]):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in files.items():
        write(corpus, name, text)
    zhsearch.build_index(corpus, tmp_path / "index")
    return zhsearch.open_index(tmp_path / "index")


FILLER = "这一段讲的是别的事情，和问题没有关系，只是为了让语料里有更多的段落可以比较。\n\n"


def test_mainland_question_finds_taiwan_text_and_highlights_it_as_written(tmp_path):
    with _index(tmp_path, {
        "tw.txt": "軟體手冊的標題很長很長\n\n12.6.2.1. 編譯並安裝程式\n\n從原始碼編譯程式之後，用 make install 安裝到系統中。\n",
        "other.txt": "另一篇文章的标题很长很长\n\n" + FILLER * 3,
    }) as index:
        (hit, *_) = index.search("编译并安装程序")
        assert hit.source == "tw.txt" and "編譯程式" in hit.text
        shown = [hit.text[s:e] for s, e in hit.highlights]
        assert "程式" in "".join(shown) and all(part in hit.text for part in shown)


def test_taiwan_question_finds_mainland_text(tmp_path):
    with _index(tmp_path, {
        "cn.txt": "软件手册的标题很长很长\n\n安装软件包\n\n用 apt install 安装软件包，它会自动处理依赖关系并下载所需的文件。\n",
        "other.txt": "另一篇文章的标题很长很长\n\n" + FILLER * 3,
    }) as index:
        (hit, *_) = index.search("軟體套件怎麼安裝")
        assert hit.source == "cn.txt"


def test_mainland_question_finds_hong_kong_text(tmp_path):
    with _index(tmp_path, {
        "hk.txt": "電腦使用指南的標題很長\n\n安裝軟件\n\n軟件安裝好之後，要喺電腦裏面重新啟動，新嘅程序先會生效。\n",
        "other.txt": "另一篇文章的标题很长很长\n\n" + FILLER * 3,
    }) as index:
        (hit, *_) = index.search("安装软件后重新启动")
        assert hit.source == "hk.txt" and "軟件" in hit.text


def test_a_word_both_scripts_share_is_read_as_taiwan_wording_when_the_index_lacks_it(tmp_path):
    # 程式 has no character that tells the script: typed by a Taiwanese reader it means 程序.
    with _index(tmp_path, {
        "tw.txt": "軟體手冊的標題很長很長\n\n12.6.2.1. 編譯並安裝程式\n\n從原始碼編譯程式之後，用 make install 安裝到系統中。\n",
        "cn.txt": "另一篇文章的标题很长很长\n\n这个进程占用了很多内存，可以用 kill 结束它，然后重新启动服务。\n",
    }) as index:
        hits = index.search("程式")
        assert hits[0].source == "tw.txt"
        # 程序 typed by a Mainland reader is 程序, never the Taiwanese 程序 (进程)
        assert [h.source for h in index.search("程序")] == ["tw.txt"]


@pytest.mark.parametrize("mainland, taiwan", [("视图", "檢視"), ("默认", "預設")])
def test_a_mainland_word_meets_what_the_taiwan_wording_became_in_the_index(tmp_path, mainland, taiwan):
    """tw2sp makes 檢視 查看 and 預設 预设 in the index: the Mainland 视图 and 默认,
    written as a Taiwan writer would (s2twp) and normalised the same way, meet them."""
    with _index(tmp_path, {
        "tw.txt": f"軟體手冊的標題很長很長\n\n全螢幕模式\n\n在全螢幕互動模式下，軟體包列表的{taiwan}可以在選單裡切換。\n",
        "cn.txt": "另一篇文章的标题很长很长\n\n" + FILLER * 3,
    }) as index:
        (hit, *_) = index.search(f"软件包{mainland}")
        assert hit.source == "tw.txt"
        assert taiwan in [hit.text[s:e] for s, e in hit.highlights]  # lit as written


def test_a_mainland_word_the_index_holds_is_not_read_again():
    from zhsearch.searching.query import plan_query, with_regional_readings

    plan = plan_query("编译程序视图")
    assert with_regional_readings(plan, lambda word: True) == plan  # a Mainland corpus: nothing added (no pair holds these words)
    readings = with_regional_readings(plan, lambda word: word in {"编译", "预设", "查看"}).related
    assert readings == {"视图": ("查看",)}  # never 程序 read as the Taiwanese 进程


def test_translators_wordings_are_searched_both_ways():
    from zhsearch.text.wording import other_wordings

    assert "指令" in other_wordings("命令") and "命令" in other_wordings("指令")
    assert "帐号" in other_wordings("账户") and "文字编辑器" in other_wordings("文本编辑器")
    assert other_wordings("dpkg") == other_wordings("命") == ()


def test_a_word_the_index_holds_also_meets_its_other_wording():
    from zhsearch.searching.query import plan_query, with_regional_readings

    plan = plan_query("dpkg 命令")
    assert with_regional_readings(plan, lambda word: word != "指令").related == {}  # 指令 only when indexed
    assert "指令" in with_regional_readings(plan, lambda word: True).related["命令"]


MANUALS = {
    # a Taiwan manual says 指令 where a Mainland reader asks for 命令 ...
    "tw.txt": "Debian 參考手冊\n\n2.5.8. dpkg 檔案\n\ndpkg 的狀態檔案記錄了每個軟體包的狀態資訊。\n\n"
              "2.5.9. dpkg 指令\n\ndpkg 是 Debian 軟體包管理中最底層的工具，其他指令都呼叫它。\n\n"
              "2.5.10. dpkg 選項\n\n使用 dpkg 時可以加上許多選項，詳見手冊頁。\n",
    # ... and a Mainland one 账户 where a Taiwan reader asks for 帳號
    "cn.txt": "Debian 参考手册\n\n1.1.2. root 密码\n\n安装时为 root 设置一个不易猜到的密码。\n\n"
              "1.1.3. root 账户\n\nroot 也被称作超级用户，这个账户拥有至高无上的权力。\n\n"
              "1.1.4. root 提示符\n\n以 root 登录后，提示符以 # 结尾。\n",
}


@pytest.mark.parametrize("question, source, answer", [
    ("dpkg 命令", "tw.txt", "dpkg 是 Debian 軟體包管理中最底層的工具"),
    ("root 帳號", "cn.txt", "root 也被称作超级用户"),
])
def test_a_heading_in_the_other_wording_answers_first(tmp_path, monkeypatch, question, source, answer):
    import zhsearch.searching.query as query

    with _index(tmp_path, MANUALS) as index:
        hit = index.search(question)[0]
        assert (hit.source, hit.text[: len(answer)]) == (source, answer)
        monkeypatch.setattr(query, "other_wordings", lambda word: ())  # without the table: a weaker match
        without = next(h for h in index.search(question) if h.text[: len(answer)] == answer)
        assert without.score < hit.score


def test_both_readings_of_a_rewritten_word_are_held():
    from zhsearch.text.normalize import both_readings, character_readings

    # tw2sp reads the Taiwan 文件 as 文档 (a document); a translated manual may mean a file.
    assert to_mainland("檔案與文件管理") == "文件与文档管理"
    assert character_readings("檔案與文件管理") == "档案 文件"
    assert both_readings("1.3.3. MC 文件管理 控制臺") == "1.3.3. mc 文档管理 控制台\n1.3.3. mc 文件管理 控制台"
    assert character_readings("编译并安装程序") == "" and both_readings("编译并安装程序") == "编译并安装程序"


def test_mainland_word_meets_a_taiwan_heading_the_phrase_table_rewrote(tmp_path):
    with _index(tmp_path, {
        "tw.txt": "終端機使用手冊的標題很長\n\n1.3.3. MC 文件管理\n\n預設的兩個目錄面板裡包含了檔案列表，接下來是一些必要的快捷鍵。\n\n"
                  "1.3.4. MC 指令列技巧\n\n在選中的螢幕中改變目錄，並且把檔名複製到指令列。\n",
    }) as index:
        hit = index.search("MC 文件管理")[0]
        assert hit.line == 5 and hit.text.startswith("預設的兩個目錄面板")


def test_long_dense_taiwan_text_aligns_in_linear_work():
    for text in ("記憶體不足" * 400, "記憶體不足，" * 400):
        norm = normalize_text(text)
        assert norm.text == fold_text(text)
        assert all(0 <= s < e <= len(text) for s, e in zip(norm.starts, norm.ends))


def test_phrases_that_shrink_and_grow_keep_their_own_spans_and_capitals_fold():
    text = "記憶體與字串"  # 記憶體 → 内存 (−1), 字串 → 字符串 (+1): the same length in all
    norm = normalize_text(text)
    assert norm.text == "内存与字符串"
    assert text[slice(*norm.span(0, 2))] == "記憶體" and text[slice(*norm.span(3, 6))] == "字串"
    # a phrase table writes Latin capitals (隨身碟 → U盘): folded as a query is
    assert fold_text("請插入隨身碟") == normalize_text("請插入隨身碟").text == fold_text("请插入U盘")


def test_a_phrase_cut_by_the_diff_still_maps_to_its_own_characters():
    # difflib sees 程 unchanged and 式記憶體 → 序内存 as one run: 式 converts only with 程
    text = "記憶體" * 7 + "程式" + "記憶體"
    norm = normalize_text(text)
    spans = [text[s:e] for s, e in zip(norm.starts, norm.ends)]
    assert spans[-5:] == ["記憶體", "程式", "程式", "記憶體", "記憶體"]


def test_a_word_holding_a_reworded_one_is_also_read_as_taiwan_words_the_rest(tmp_path, monkeypatch):
    from zhsearch.searching.query import plan_query, with_regional_readings
    from zhsearch.text import normalize

    assert normalize.as_taiwan_writes("命令行选项") == "命令列选项" and normalize.as_taiwan_writes("dpkg") == "dpkg"
    plan = plan_query("命令行选项")
    assert "指令列" in with_regional_readings(plan, lambda word: word in {"命令行", "选项", "指令列"}).related["命令行"]
    manual = ("終端機手冊\n\n1.5.4. 程式選項\n\n程式的選項寫在設定檔裡，每個選項一行，選項的值寫在等號後面。\n\n"
              "1.5.5. 指令列選項\n\n在指令列上可以給出選項，例如 ls -l 列出詳細資訊。\n")
    with _index(tmp_path, {"tw.txt": manual}) as index:
        assert index.search("命令行选项")[0].line == 9
    monkeypatch.setattr("zhsearch.searching.query.as_taiwan_writes", lambda word: word)
    held = {"命令行", "选项", "指令列"}  # reworded as it stands only (指令行), which the index does not hold
    assert "命令行" not in with_regional_readings(plan, held.__contains__).related


def test_taiwan_wording_is_told_without_a_writable_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    from zhsearch.text import normalize

    normalize._taiwan_phrasing.cache_clear()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))  # its config cannot be written
    try:
        assert normalize.as_taiwan_writes("命令行") == "命令列"  # by s2twp itself
    finally:
        normalize._taiwan_phrasing.cache_clear()
