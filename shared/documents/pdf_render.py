"""The document as PDF (fpdf2, no network): the same layout as the .docx, drawn with a Chinese font found on
the machine. The standard's fonts are rarely installed on servers, so the PDF embeds what there is
(WenQuanYi Micro Hei or Noto CJK: Debian's fonts-wqy-microhei, fonts-noto-cjk); the .docx names the
standard ones."""

from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos

from shared.documents import model as m

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetter logs every table at INFO
LINE_MM = 225 / m.LINES_PER_PAGE
PT_MM = 25.4 / 72


class FontMissing(RuntimeError):
    """No Chinese font on this machine: install fonts-wqy-microhei."""


def chinese_font() -> Path:
    """The first Chinese font of :data:`CANDIDATES` installed here."""
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing("未找到中文字体：请安装 fonts-wqy-microhei（或 fonts-noto-cjk）")


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-(m.BOTTOM_MM - 7))
        self.set_font("cn", size=m.NOTE_PT)
        self.cell(0, 6, f"— {self.page_no()} —", align=Align.C)


def render_pdf(document: m.OfficialDocument) -> bytes:
    """The document as the bytes of a PDF file (A4, 版心 156 mm × 225 mm)."""
    pdf = _Pdf(unit="mm", format="A4")
    pdf.set_margins(m.LEFT_MM, m.TOP_MM, m.RIGHT_MM)
    pdf.set_auto_page_break(True, margin=m.BOTTOM_MM)
    pdf.add_font("cn", fname=str(chinese_font()))
    pdf.set_title(document.title)
    pdf.set_subject(str(document.number))
    pdf.set_author(document.organ)
    pdf.set_keywords("，".join((document.article, *document.keywords)))
    pdf.set_creator("宁波市级党政部门职责管理")
    pdf.add_page()
    width = m.PAGE_WIDTH_MM - m.LEFT_MM - m.RIGHT_MM

    def line(
        text: str,
        size: float,
        *,
        align: Align = Align.J,
        indent_chars: float = 0,
        height: float = LINE_MM,
        red: bool = False,
    ) -> None:
        pdf.set_font("cn", size=size)
        pdf.set_text_color(*(m.RED if red else (0, 0, 0)))
        pdf.set_x(m.LEFT_MM + indent_chars * size * PT_MM)
        pdf.multi_cell(
            width - indent_chars * size * PT_MM,
            height,
            text,
            align=align,
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def paragraph(text: str) -> None:
        # first line indented by two characters, the rest from the margin
        pdf.set_font("cn", size=m.BODY_PT)
        pdf.set_text_color(0, 0, 0)
        full = "\u3000\u3000" + text
        pdf.multi_cell(
            width, LINE_MM, full, align=Align.J, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    mark_pt = min(
        m.MARK_PT, width / (len(document.issuer) * PT_MM) * 0.97
    )  # one line, the full width at most
    line(document.issuer, mark_pt, align=Align.C, height=mark_pt * PT_MM * 1.4, red=True)
    pdf.ln(LINE_MM)
    line(str(document.number), m.BODY_PT, align=Align.C)
    pdf.set_draw_color(*m.RED)
    pdf.set_line_width(0.6)
    y = pdf.get_y() + 2
    pdf.line(m.LEFT_MM, y, m.PAGE_WIDTH_MM - m.RIGHT_MM, y)
    pdf.ln(LINE_MM)
    line(document.title, m.TITLE_PT, align=Align.C, height=m.TITLE_PT * PT_MM * 1.5)
    pdf.ln(LINE_MM / 2)
    line(f"{document.main_recipient}：", m.BODY_PT, align=Align.L)
    for block in document.body:
        paragraph(block.text)
    if document.attachments:
        pdf.ln(LINE_MM)
        for index, name in enumerate(document.attachments, 1):
            prefix = f"{index}. " if len(document.attachments) > 1 else ""
            label = "附件：" if index == 1 else "\u3000\u3000\u3000"
            line(f"{label}{prefix}{name}", m.BODY_PT, align=Align.L, indent_chars=2)
    pdf.ln(LINE_MM * 2)
    if pdf.get_y() + LINE_MM * 2 > m.PAGE_HEIGHT_MM - m.BOTTOM_MM:
        pdf.add_page()  # the organ and its date stay together
    pdf.set_font("cn", size=m.BODY_PT)
    right = m.PAGE_WIDTH_MM - m.RIGHT_MM - 4 * m.BODY_PT * PT_MM
    date_w = pdf.get_string_width(document.date_text)
    organ_w = pdf.get_string_width(document.organ)
    centre = right - date_w / 2
    pdf.set_x(max(centre - organ_w / 2, m.LEFT_MM))
    pdf.cell(organ_w, LINE_MM, document.organ, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_x(right - date_w)
    pdf.cell(date_w, LINE_MM, document.date_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(LINE_MM)
    # 版记
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.35)
    pdf.line(m.LEFT_MM, pdf.get_y(), m.PAGE_WIDTH_MM - m.RIGHT_MM, pdf.get_y())
    if document.copy_to:
        line(document.copy_to_text, m.NOTE_PT, align=Align.L, indent_chars=1, height=LINE_MM * 0.8)
        pdf.set_line_width(0.25)
        pdf.line(m.LEFT_MM, pdf.get_y(), m.PAGE_WIDTH_MM - m.RIGHT_MM, pdf.get_y())
    line(document.printed_text, m.NOTE_PT, align=Align.L, indent_chars=1, height=LINE_MM * 0.8)
    pdf.set_line_width(0.35)
    pdf.line(m.LEFT_MM, pdf.get_y(), m.PAGE_WIDTH_MM - m.RIGHT_MM, pdf.get_y())
    return bytes(pdf.output())
