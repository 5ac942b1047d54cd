"""Page furniture and spam: lines that are not content and must not become passages.

Web pages saved as text carry navigation, share widgets, copyright and licence
lines, comment-box prompts and spam link lists.  Each pattern below names a kind
of line seen on Chinese web pages in general, not on any one site.
"""

from __future__ import annotations

import re

_FURNITURE = re.compile(
    r"""
    (?<![/\w.])copyright(?![/\w.]) | all\s+rights\s+reserved | ©
    | icp[备证] | 公网安备 | 备案号
    | 扫描二维码 | 扫一扫 | 分享到 | 推送至手机
    | 版权声明 | 版权所有 | 本文链接 | 原文链接 | 转载请 | 未经授权禁止转载 | 未经许可
    | 责任编辑 | 【纠错】 | 纠错
    | ^当前位置 | ^首页\s*> | ^字体[:：]? | ^(分享|写评论|投诉|举报|收藏|点赞|打印|关闭)$
    | 写下你的评论 | 发表评论 | 发表之?一个评论 | 还没有评论 | ^相关(推荐|文章|阅读)
    | ^最新文章$ | ^随机看看$ | ^热门(文章|推荐)$ | ^上一篇 | ^下一篇
    | IP\s*属地 | 发布于\s*\d{4}
    | 删帖 | 侵权.{0,6}联系 | 联系方式[:：] | 免责声明 | ^声明[:：]
    | https?://\S+$
    """,
    re.IGNORECASE | re.VERBOSE,
)

# A byline or timestamp line: 合飞律师3个月前 (03-25)金融债务4, 逾期法务 2024-10-14 03:19:52,
# 头像 美美 2025-03-15.  Short, and dated: who wrote it and when, not a heading.
_DATED = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|[(（]\d{1,2}-\d{1,2}[)）]"
    r"|\d+\s*(?:秒|分钟|小时|天|周|个月|年)前|\d{1,2}:\d{2}"
)
BYLINE_MAX_CHARS = 40


def is_byline(line: str) -> bool:
    """A short dated line: an author and date, a timestamp, a comment's signature."""
    line = line.strip()
    return len(line) <= BYLINE_MAX_CHARS and not line.endswith(("。", "？", "?", "！", "!")) and bool(_DATED.search(line))


# Words that only appear on Chinese pages in injected spam (adult and gambling
# link farms).  A line with two or more of them is spam, whatever else it says.
SPAM_WORDS = (
    "毛片", "人妻", "黄片", "色情", "成人视频", "av在线", "无码", "高潮片", "牲交", "三级片",
    "精品视频", "在线播放视频", "博彩", "赌场", "六合彩", "时时彩", "菠菜", "裸聊", "约炮",
)


# The header of a page's comment section.  What follows it is readers' talk:
# indexed, but ranked below the article itself.
COMMENT_SECTION = re.compile(
    r"^(精彩|网友|热门|最新|全部|用户|读者)?(评论|留言)(区|列表)?(\s*[(（]?\d*[)）]?)?[:：]?$|^comments?$",
    re.IGNORECASE,
)


def is_comment_header(line: str) -> bool:
    """精彩评论, 网友评论 (12), 留言区 — the start of a comment section."""
    return bool(COMMENT_SECTION.match(line.strip()))


def is_spam(line: str) -> bool:
    """A line of injected adult or gambling link spam."""
    lowered = line.lower()
    return sum(word in lowered for word in SPAM_WORDS) >= 2


def is_furniture(line: str) -> bool:
    """Navigation, widgets, copyright and comment-box lines."""
    return bool(_FURNITURE.search(line.strip()))


def is_boilerplate(line: str) -> bool:
    """A line that is page furniture or spam, not content.

    >>> is_boilerplate("皖ICP备2023000799号-2.")
    True
    >>> is_boilerplate("网贷逾期后，催收人员真的会上门吗？")
    False
    """
    return is_furniture(line) or is_spam(line) or is_byline(line)
