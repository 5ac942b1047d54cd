"""Where readers' comments begin on a web page saved as text.

No line is left out for what it says: a copyright line, a date, a timestamp,
a contact line or a URL may be what a user searches for (a chat log, a
statute's 未经许可 article, a manual's contact line).  Page furniture is left
out only where markup says so (the HTML reader drops nav, header, footer,
script); copies of one text across documents fold into one hit at search
time.  A comment section is kept, its passages marked ``kind = "comment"``.
"""

from __future__ import annotations

import re

# The header of a page's comment section.  What follows it is readers' talk:
# indexed and marked as such (Passage.kind).
COMMENT_SECTION = re.compile(
    r"^(精彩|网友|热门|最新|全部|用户|读者)?(评论|留言)(区|列表)?(\s*[(（]?\d*[)）]?)?[:：]?$|^comments?$",
    re.IGNORECASE,
)


COMMENT_HEADER_MAX = 20  # no header is longer: longer lines need no script conversion to be ruled out


def is_comment_header(line: str) -> bool:
    """精彩评论, 网友评论 (12), 留言区 — the start of a comment section."""
    return bool(COMMENT_SECTION.match(line.strip()))
