"""Real PDF, Word and EPUB files for the tests, written by real writers.

* PDF: reportlab with its built-in CID font ``STSong-Light`` (Adobe-GB1, no font file
  needed), laid out the way a word processor exports a page: a running header, a
  page number footer, headings set larger, paragraphs indented and wrapped.
* DOCX: python-docx; EPUB: ebooklib.
"""

from __future__ import annotations

from pathlib import Path

HEADER = "某某市住房租赁管理办法（试行）"
LINE_CHARS = 28  # characters per line of the body text

# (heading, paragraphs) per section; each section starts a page.
LEASE = [
    ("第一章 租金与押金", [
        "出租人收取的押金不得超过两个月的租金。租赁期满后，出租人应当在七日内将押金全额退还承租人，"
        "但承租人拖欠租金或者损坏房屋的除外。",
        "租金应当按照合同约定的方式支付，出租人不得在合同期内单方面提高租金。",
    ]),
    ("第二章 房屋维修", [
        "房屋及其附属设施出现损坏时，承租人应当及时通知出租人。出租人应当在接到通知后十五日内进行维修；"
        "逾期不维修的，承租人可以自行维修，维修费用由出租人负担。",
    ]),
    ("第三章 合同解除", [
        "承租人擅自将房屋转租给他人，或者利用房屋从事违法活动的，出租人可以解除合同。"
        "出租人解除合同的，应当提前三十日书面通知承租人，并给予承租人合理的搬离期限。"
        "在搬离期限内，出租人不得停水停电，不得采取暴力、威胁等手段迫使承租人搬离。"
        "承租人因此遭受损失的，可以要求出租人赔偿，也可以向住房租赁主管部门投诉或者向人民法院起诉。"
        "主管部门接到投诉后，应当在五个工作日内作出处理。",
    ]),
]


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)]


def write_pdf(path: Path, sections=LEASE, lines_per_page: int = 9, heading_size: int = 18,
              outline: bool = False, title: str | None = None) -> Path:
    """A Chinese PDF with a running header, page numbers, headings and wrapped paragraphs.

    A section starts a new page; a paragraph longer than the room left runs on
    to the next page, as in any exported document.  ``outline``: each heading is
    also an outline entry (a bookmark).  ``title``: set large at the top of the
    first page (and not in the PDF's metadata).
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    if title is None:
        c.setTitle("住房租赁管理办法")
    page = [0]
    y = [0.0]

    def new_page():
        if page[0]:
            c.showPage()
        page[0] += 1
        c.setFont("STSong-Light", 9)
        c.drawString(72, 800, HEADER)
        c.drawString(290, 30, f"- {page[0]} -")
        y[0] = 760

    for number, (heading, paragraphs) in enumerate(sections):
        new_page()
        if title and number == 0:
            c.setFont("STSong-Light", 20)
            c.drawString(150, y[0], title)
            y[0] -= 40
        c.setFont("STSong-Light", heading_size)
        c.drawString(72, y[0], heading)
        if outline:
            c.bookmarkPage(f"s{page[0]}")
            c.addOutlineEntry(heading, f"s{page[0]}", level=0)
        y[0] -= 16 + heading_size
        for paragraph in paragraphs:
            # two characters of indent on the first line, as Chinese typesetting does
            lines = [paragraph[: LINE_CHARS - 2]] + _wrap(paragraph[LINE_CHARS - 2 :], LINE_CHARS)
            for i, line in enumerate(lines):
                if y[0] < 760 - 20 * lines_per_page:
                    new_page()
                c.setFont("STSong-Light", 12)
                c.drawString(96 if i == 0 else 72, y[0], line)
                y[0] -= 20
            y[0] -= 8
    c.showPage()
    c.save()
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF with pages of drawing only, like a scan: no text layer."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    for _ in range(2):
        c.rect(72, 72, 400, 600, fill=1)
        c.showPage()
    c.save()
    return path


def identity_h_pdf(lines: list[str], to_unicode: bool = True) -> bytes:
    """A one-page PDF in a Type0 font, Identity-H, whose made-up CIDs map to Unicode
    only through its ToUnicode CMap (``to_unicode=False``: through nothing, as some
    producers write them)."""
    chars = sorted({ch for line in lines for ch in line})
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    cmap = "\n".join(f"<{cid[ch]:04X}> <{ord(ch):04X}>" for ch in chars)
    cmap_stream = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Adhoc def /CMapType 2 def\n1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{cmap}\nendbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end"
    )
    content = "BT /F1 12 Tf " + " ".join(
        f"1 0 0 1 72 {760 - 20 * i} Tm <{''.join(f'{cid[ch]:04X}' for ch in line)}> Tj" for i, line in enumerate(lines)
    ) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type0 /BaseFont /ABCDEF+SimSun /Encoding /Identity-H "
        "/DescendantFonts [6 0 R]" + (" /ToUnicode 7 0 R >>" if to_unicode else " >>"),
        f"<< /Length {len(content.encode())} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABCDEF+SimSun "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        f"<< /Length {len(cmap_stream.encode())} >>\nstream\n{cmap_stream}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_docx(path: Path) -> Path:
    """A Word file: a title, Heading 1/2 sections, body paragraphs and a table."""
    import docx

    d = docx.Document()
    d.core_properties.title = ""
    d.add_heading("员工休假管理制度", 0)  # the Title style
    d.add_paragraph("本制度适用于公司全体正式员工。")
    d.add_heading("一、年休假", 1)
    annual = d.add_paragraph("员工累计工作满一年不满十年的，年休假五天；")
    annual.add_run().add_break()  # a soft line break (Shift+Enter) inside the paragraph
    annual.add_run("满十年不满二十年的，年休假十天。")
    d.add_heading("二、病假", 1)
    d.add_heading("（一）病假工资", 2)
    d.add_paragraph("员工病假期间，公司按照本人工资的百分之八十发放病假工资，且不低于当地最低工资标准。")
    d.add_heading("三、其他假期", 1)
    table = d.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("假期类型", "天数", "工资"), ("婚假", "3天", "全额发放"),
                                       ("丧假", "1至3天", "全额发放")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    d.add_paragraph("请假须提前三个工作日在系统中提交申请。")
    d.save(str(path))
    return path


def write_epub(path: Path) -> Path:
    """An EPUB of two chapters with h1/h2 headings, and its navigation."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("zhsearch-test-flood")
    book.set_title("城市防汛手册")
    book.set_language("zh")
    chapters = [
        ("c1.xhtml", "第一章 暴雨预警",
         "<h1>第一章 暴雨预警</h1><p>暴雨预警分为蓝色、黄色、橙色和红色四级。</p>"
         "<h2>红色预警</h2><p>发布暴雨红色预警后，中小学校和幼儿园应当停课，"
         "已到校的学生由学校负责安全看护，待雨情缓解后再安排离校。</p>"),
        ("c2.xhtml", "第二章 积水避险",
         "<h1>第二章 积水避险</h1><h2>车辆涉水</h2><p>积水超过车轮一半时不要强行涉水，"
         "车辆在水中熄火后不要再次启动发动机，应当立即下车转移到高处。</p>"),
    ]
    items = []
    for name, title, body in chapters:
        item = epub.EpubHtml(title=title, file_name=name, lang="zh")
        item.content = f"<html><body>{body}</body></html>"
        book.add_item(item)
        items.append(item)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    epub.write_epub(str(path), book)
    return path
