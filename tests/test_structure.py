"""Page structure: which lines are headings, on each page shape (zhsearch.reading.structure, ingest)."""

import pytest

from zhsearch.reading.passages import split_passages
from zhsearch.reading.structure import heading_level, is_caption, outline_level

FAQ_DUMP = """第 8 章 Debian 软件包管理工具

8.3. 怎么知道 Debian 系统中安装了哪些软件包？
要知道 Debian 系统中安装的所有软件包的状态，请执行
dpkg --list
这会对每个软件包打印一行摘要。

8.4. 如何显示已安装的软件包包含的文件？
要列出已安装的软件包 foo 提供的所有文件，请执行
dpkg --listfiles foo
"""


def test_faq_dump_first_line_is_the_heading_and_short_body_lines_stay_body():
    passages = split_passages(FAQ_DUMP, "pkgtools.txt")
    assert [p.heading for p in passages] == [
        "8.3. 怎么知道 Debian 系统中安装了哪些软件包？",
        "8.4. 如何显示已安装的软件包包含的文件？",
    ]
    assert passages[0].text == "要知道 Debian 系统中安装的所有软件包的状态，请执行 dpkg --list 这会对每个软件包打印一行摘要。"
    assert passages[1].text.endswith("dpkg --listfiles foo")
    assert passages[0].line == 4


def test_numbered_outline_at_any_depth_nests():
    text = "章 2. 软件包管理\n\n2.1. 前提\n\n2.1.1. 软件包配置\n\n下面是软件包配置的要点，说明了配置文件放在哪里以及如何修改它们。\n"
    (p,) = split_passages(text, "ch02.txt")
    assert p.heading == "2.1. 前提 › 2.1.1. 软件包配置"
    assert [outline_level(x) for x in ("12.6.2.1. 编译", "第 7 章 概述", "第三节 方法", "一、背景", "（一）原因", "1. 步骤")] == [
        6, 1, 2, 2, 3, 4,
    ]


def test_a_number_that_cannot_follow_the_outline_is_body():
    # a table of source formats (3.0), a version (4.4 BSD) and an address (172.16) after 2.5.1
    text = ("章 2. 软件包管理\n\n2.5. 软件包内部管理\n\n2.5.1. 源码包格式\n\n下表列出源码包的格式。\n\n"
            "3.0 (quilt 补丁管理工具) 源码包\n\n4.4 BSD dump 工具\n\n172.16 内网地址\n\n"
            "2.5.2. dpkg 命令\n\ndpkg 是 Debian 软件包管理中最底层的工具。\n\n"
            "2.7. 提示\n\n第二个小节的正文，少了 2.6 也照样接着编号。\n\n3.1. 下一章的小节\n\n跳过章标题的小节正文。\n")
    passages = split_passages(text, "ch02.txt")
    assert [p.heading for p in passages] == [
        "2.5. 软件包内部管理 › 2.5.1. 源码包格式",
        "2.5. 软件包内部管理 › 2.5.2. dpkg 命令",
        "2.7. 提示",
        "3.1. 下一章的小节",
    ]
    assert passages[0].text.endswith("3.0 (quilt 补丁管理工具) 源码包 4.4 BSD dump 工具 172.16 内网地址")


def test_an_outline_may_start_again_after_a_table_of_contents():
    toc = "目录\n1.1. 背景\n1.2. 目标\n2.1. 下载\n2.2. 安装\n"
    body = "".join(f"\n{n}. {t}\n\n这一节讲{t}，写得足够长，是一段真正的正文内容。\n"
                   for n, t in (("1.1", "背景"), ("1.2", "目标"), ("2.1", "下载"), ("2.2", "安装"), ("2.3", "升级")))
    assert [p.heading for p in split_passages(toc + body, "a.txt")][-5:] == [
        "1.1. 背景", "1.2. 目标", "2.1. 下载", "2.2. 安装", "2.3. 升级"]


BODY = "\n\n这一节的正文内容写在这里，说明这一节的要点。\n\n"


@pytest.mark.parametrize("text, headings", [
    # strays on both sides of a real section: each judged by the outline, not by its neighbours
    ("2.5.8. 源码包格式\n\n格式 说明\n\n1.0 原始格式\n\n3.0 (quilt) 格式" + BODY + "2.5.9. 本地格式" + BODY
     + "3.0 (native) 格式\n\n2.5.10. 其它格式" + BODY, ["2.5.8. 源码包格式", "2.5.9. 本地格式", "2.5.10. 其它格式"]),
    # a changelog counting down, and a sparse outline: runs of their own, kept
    ("3.2 版本说明" + BODY + "3.1 版本说明" + BODY + "3.0 版本说明" + BODY + "2.9 版本说明" + BODY,
     ["3.2 版本说明", "3.1 版本说明", "3.0 版本说明", "2.9 版本说明"]),
    ("1.2 甲节" + BODY + "2.3 乙节" + BODY + "3.4 丙节" + BODY + "4.5 丁节" + BODY, ["1.2 甲节", "2.3 乙节", "3.4 丙节", "4.5 丁节"]),
    # one number wrongly kept (or first) never takes the sections after it along
    ("9.1 甲节" + BODY + "9.2 乙节" + BODY + "10.1.1.1 网关" + BODY + "9.3 丙节" + BODY + "9.4 丁节" + BODY,
     ["9.1 甲节", "9.2 乙节", "9.2 乙节 › 10.1.1.1 网关", "9.3 丙节", "9.4 丁节"]),
    ("3.0 (quilt) 格式" + BODY + "2.1 甲节" + BODY + "2.2 乙节" + BODY + "3.1 丙节" + BODY,
     ["3.0 (quilt) 格式", "2.1 甲节", "2.2 乙节", "3.1 丙节"]),
    # a section number repeated shorter (a page header) is no error
    ("2.5 软件包" + BODY + "2.5.1 安装" + BODY + "2.5 软件包" + BODY, ["2.5 软件包", "2.5 软件包 › 2.5.1 安装"]),
])
def test_an_outline_keeps_its_sections_around_stray_numbers(text, headings):
    assert list(dict.fromkeys(p.heading for p in split_passages(text, "a.txt"))) == headings


def test_admonition_label_joins_its_paragraph_and_heads_nothing():
    text = "1.1. 登录\n\n注意\n\n遵循Unix传统，用户名和密码是大小写敏感的，通常由小写字母组成。\n\n提示：\n\n可以用 adduser 创建更多的用户帐号，这需要 root 权限才能完成。\n"
    passages = split_passages(text, "ch01.txt")
    assert [p.heading for p in passages] == ["1.1. 登录", "1.1. 登录"]
    assert passages[0].text.startswith("注意遵循Unix传统")
    assert passages[1].text.startswith("提示：可以用 adduser")


def test_markdown_headings_are_the_only_headings_of_a_markdown_page():
    text = "# 安装指南\n\n## 准备工作\n\n短的一行\n\n先下载安装包，然后检查校验和是否一致，再继续下面的步骤。\n"
    (p,) = split_passages(text, "guide.md")
    assert (p.title, p.heading) == ("安装指南", "准备工作")  # the H1 is the title, not a section
    assert p.text.startswith("短的一行")  # a short line between blank lines is body there


def test_html_h_tags_are_headings(tmp_path):
    from zhsearch.reading.formats import html_document

    doc = html_document("<h1>指南</h1><h2>二、安装</h2><p>短句</p><p>运行安装程序并按照提示完成每一步的设置，最后重启电脑。</p>", "a.html")
    (p,) = split_passages(doc.text, "a.html", markdown=True, title=doc.title)
    assert (p.title, p.heading) == ("指南", "二、安装")  # no <title>: the first h1 is the title
    assert p.text.startswith("短句")


@pytest.mark.parametrize(
    "line",
    ["dpkg --list", "在單元格 B2 中輸入公式：=SUM(A1:A9)", "V:919, I:999", "5989", "注意", "表格 1.10. 特別設備文件列表"],
)
def test_short_lines_that_are_not_headings(line):
    assert heading_level(line) is None


def test_plain_text_short_line_alone_is_a_heading_and_a_question_heading_text_is_text():
    assert heading_level("应对策略") == 9  # alone between blank lines
    assert heading_level("应对策略", alone=False) is None  # heads a block of body lines, not numbered
    assert heading_level("网贷逾期会上门吗？", alone=False) is None  # a question at the head of text is text
    assert heading_level("“你真的要走吗？”") is None  # dialogue, even alone
    assert heading_level("12:03 张三") is None and heading_level("2024-05-01 李四") is None  # chat lines
    assert heading_level("短行", first=False) is None  # inside a run of body lines
    assert is_caption("图 3 系统结构") and not is_caption("图书馆的开放时间")


def test_a_heading_with_nothing_under_it_was_body():
    text = "网贷逾期会上门吗这篇文章的标题\n\n相关文章推荐阅读\n\n逾期后多久会上门\n"
    texts = [p.text for p in split_passages(text, "a.txt")]
    assert "逾期后多久会上门" in texts


def test_document_that_numbers_its_sections_reads_plain_short_lines_as_body():
    text = "1.1. 第一节\n\n正文一。\n\n1.2. 第二节\n\n软件包列表\n\ndpkg\n\n底层的软件包管理工具\n\n1.3. 第三节\n\n正文三。\n"
    passages = split_passages(text, "ref.txt")
    assert [p.heading for p in passages] == ["1.1. 第一节", "1.2. 第二节", "1.3. 第三节"]
    assert passages[1].text == "软件包列表 dpkg 底层的软件包管理工具"


def test_a_label_with_no_paragraph_after_it_stays_in_its_own_section():
    passages = split_passages("第一段内容。\n\n注意\n\n## 二\n\n后面的正文内容。", "a.md")
    assert [(p.heading, p.text) for p in passages][-1] == ("二", "后面的正文内容。")
    assert any(p.text.endswith("注意") and p.heading == "" for p in passages)


def test_a_lone_surrogate_in_a_record_is_no_error():
    from zhsearch.reading.passages import load_passages

    (passage,), _ = load_passages('{"text": "\\ud800中文内容", "title": "\\udc00题"}\n', "a.jsonl")
    assert passage.text == "\ufffd中文内容" and passage.title == "\ufffd题"


MANUAL_DUMP = """章 1. GNU/Linux 教學

1.1.3. root 帳號

root 帳號也被稱作超級使用者或特權使用者。用這個帳號，你能夠履行下面的系統管理任務。

讀、寫和刪除系統上的任何文件，不顧它們的文件權限

1.1.6. 虛擬控制檯

要切換到第三個虛擬終端，以 root 身分執行下面的指令，然後按 Enter。

# chvt 3

參見下列各節的說明。

節 1.2, “類 Unix 檔案系統” (基本概念)

1.2. 類 Unix 檔案系統

在GNU/Linux和其他類Unix作業系統中，文件被組織到目錄中。所有的文件和目錄都在一棵樹上。
"""


def test_manual_dump_root_prompts_and_cross_references_are_body_and_the_chapter_is_the_title():
    passages = split_passages(MANUAL_DUMP, "ch01.txt")
    assert {p.title for p in passages} == {"章 1. GNU/Linux 教學"}
    assert [p.heading for p in passages] == [
        "1.1.3. root 帳號",
        "1.1.6. 虛擬控制檯",
        "1.1.6. 虛擬控制檯",
        "1.2. 類 Unix 檔案系統",
    ]
    assert passages[0].text.endswith("讀、寫和刪除系統上的任何文件，不顧它們的文件權限")
    bodies = " ".join(p.text for p in passages)
    assert "# chvt 3" in bodies and "節 1.2, “類 Unix 檔案系統”" in bodies


@pytest.mark.parametrize(
    "line, level",
    [("# chvt 3", None), ('# echo "penguin ALL=(ALL) ALL" >> /etc/sudoers', None), ("# 安装", 1), ("## 常见问题", 2),
     ("## Prerequisites", 2), ("# 注意", None)],
)
def test_a_hash_line_in_plain_text_is_a_heading_only_when_worded_like_one(line, level):
    assert heading_level(line) == level


def test_a_shell_comment_inside_a_block_of_commands_heads_nothing():
    assert heading_level("# 更新软件包列表", alone=False, first=False) is None
    text = ("1.1. 更新\n\n以 root 执行下列指令，然后再安装需要的软件包，这样列表就是最新的了。\n# apt-get update\n# 更新软件包列表\n\n"
            "1.2. 配置网络\n\n网络配置的内容写在这里，说明了配置文件放在哪里以及如何修改它们。\n\n1.3. 用户\n\n用户管理的内容。\n")
    assert [p.heading for p in split_passages(text, "a.txt")] == ["1.1. 更新", "1.2. 配置网络", "1.3. 用户"]


def test_the_chapter_line_that_is_the_title_ends_the_sections_before_it():
    text = "Debian 參考手冊\n\n章 1. GNU/Linux 教學\n\n我想學習一個電腦系統，就像學習一門新的外語。雖然教學和文件是有幫助的，但你必須自己練習。\n"
    passages = split_passages(text, "a.txt")
    assert [(p.title, p.heading, p.text[:4]) for p in passages] == [
        ("章 1. GNU/Linux 教學", "", "Debi"), ("章 1. GNU/Linux 教學", "", "我想學習")]


def test_a_section_number_followed_by_a_comma_is_a_cross_reference():
    assert outline_level("節 1.2, “類 Unix 檔案系統” (基本概念)") is None
    assert outline_level("1.2. 類 Unix 檔案系統") == 4


def test_the_title_repeated_in_a_list_of_related_articles_ends_no_section():
    text = ("网贷逾期后催收人员真的会上门吗\n\n常见情况\n\n平台一般不会上门，多为电话催收，这是大多数借款人遇到的情况。\n\n"
            "网贷逾期后催收人员真的会上门吗的相关文章\n\n网贷逾期后催收人员真的会上门吗\n\n"
            "在现代社会网络借贷已经成为许多人解决资金问题的重要途径，逾期以后怎么办。\n")
    passages = split_passages(text, "a.txt")
    assert passages[-1].heading == "网贷逾期后催收人员真的会上门吗的相关文章"


def test_a_heading_may_open_with_a_quoted_term_or_a_month():
    from zhsearch.reading.structure import is_dialogue

    assert not is_dialogue("“双减”政策解读") and not is_dialogue("2024年5月工作总结")
    assert is_dialogue("“路上小心。”") and is_dialogue("[2024-05-01 09:15] 张三：好的")
