"""tools/wording_pairs.py: Mainland/Taiwan wording pairs learnt from catalogs translated both ways."""

import importlib.util
import json
import struct
import sys
import zipfile
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "wording_pairs.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("wording_pairs", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def mo_file(messages: dict[str, str]) -> bytes:
    """A GNU .mo file (the format msgfmt writes) holding ``messages``."""
    ids = sorted(messages)
    keys = [k.encode() for k in ids]
    values = [messages[k].encode() for k in ids]
    table_at = 28
    data_at = table_at + 16 * len(ids)
    offsets, blob = [], b""
    for item in keys + values:
        offsets.append((len(item), data_at + len(blob)))
        blob += item + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(ids), table_at, table_at + 8 * len(ids), 0, 0)
    return header + b"".join(struct.pack("<2I", *o) for o in offsets) + blob


def test_a_mo_file_reads_as_its_messages(tool):
    messages = {"Command": "命令", "Run the command": "运行命令"}
    assert tool.read_mo(mo_file({"": "Content-Type: text/plain; charset=UTF-8", **messages})) == messages


def test_a_wheel_pairs_its_mainland_and_taiwan_catalogs(tool, tmp_path):
    wheel = tmp_path / "app-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("app/locale/zh_Hans/LC_MESSAGES/django.mo", mo_file({"Account": "账户"}))
        archive.writestr("app/locale/zh_Hant/LC_MESSAGES/django.mo", mo_file({"Account": "帳號"}))
        archive.writestr("app/locale/ja/LC_MESSAGES/django.mo", mo_file({"Account": "アカウント"}))
        archive.writestr("app/translations/zh-Hans-0123456789abcdef0123.json", json.dumps({"a": {"b": "默认"}}))
        archive.writestr("app/translations/zh-Hant-fedcba9876543210fedc.json", json.dumps({"a": {"b": "預設"}}))
    found = tool.catalogs(wheel, "app")
    assert found == {
        ("app", "app/locale/zh/LC_MESSAGES/django.mo"): {"cn": {"Account": "账户"}, "tw": {"Account": "帳號"}},
        ("app", "app/translations/zh.json"): {"cn": {"/a/b": "默认"}, "tw": {"/a/b": "預設"}},
    }
    # normalised as the index normalises: the Taiwan side through tw2sp
    assert tool.aligned_messages(found) == {("账户", "帐号", "帐号"): {"app"}, ("默认", "预设", "预设"): {"app"}}


def test_differences_are_whole_words_grown_alike_on_both_sides(tool):
    assert tool.differences("运行命令行选项", "执行指令列选项") == [("运行", "执行"), ("命令行", "指令列")]
    assert tool.differences("名称不匹配", "名称不符") == [("不匹配", "不符")]
    assert tool.differences("相同的文字", "相同的文字") == []


def test_a_pair_is_kept_only_as_a_habit_of_several_projects(tool):
    def messages(template: str, mainland: str, taiwan: str, projects: set[str], n: int, written: str = ""):
        return {(template.format(i=i, w=mainland), template.format(i=i, w=taiwan), template.format(i=i, w=written or taiwan)):
                projects for i in range(n)}

    seen = {}
    seen |= messages("第{i}个{w}", "命令", "指令", {"a", "b"}, 3)  # three messages, two projects: kept
    seen |= messages("第{i}项{w}", "账户", "帐号", {"a"}, 5)  # one project only
    seen |= messages("第{i}行{w}", "文本", "文字", {"a", "b"}, 2)  # two messages only
    seen |= messages("第{i}页{w}", "主机名", "主机名称", {"a", "b"}, 4)  # the one inside the other
    # a paraphrase: both sides write both words, and 运行 → 执行 in few of their messages
    seen |= messages("第{i}次{w}", "运行", "执行", {"a", "b"}, 3)
    seen |= messages("运行第{i}步", "运行", "运行", {"a", "b"}, 20)
    seen |= messages("执行第{i}步", "执行", "执行", {"a", "b"}, 20)
    # OpenCC's phrase table, not the translator: 執行 (written 执行) is indexed 运行
    seen |= messages("第{i}回{w}", "执行", "运行", {"a", "b"}, 5, written="执行")
    assert [(p.mainland, p.taiwan, p.messages, p.projects) for p in tool.wording_pairs(seen)] == [("命令", "指令", 3, 2)]


def test_the_shipped_table_reads_as_pairs():
    from zhsearch.text.wording import PAIRS_FILE

    rows = [line.split("\t") for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert rows and all(len(row) == 4 and row[0] != row[1] and int(row[2]) >= 3 and int(row[3]) >= 2 for row in rows)


def test_a_folder_missing_a_pinned_wheel_writes_no_table(tool, tmp_path):
    (tmp_path / "Django-1.11-py3-none-any.whl").write_bytes(b"")  # another version than the pin
    out = tmp_path / "pairs.tsv"
    with pytest.raises(SystemExit, match="Django==5.2.19"):
        tool.main(["--wheels", str(tmp_path), "--out", str(out)])
    assert not out.exists()
