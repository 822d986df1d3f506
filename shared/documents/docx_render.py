"""The document as .docx (python-docx): A4, the standard's margins, 22 lines of 28 characters, the standard's
fonts named (East Asian and Latin), the red separator line, page numbers 「— 1 —」 and the 版记 at the end."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from shared.documents import model as m

LINE_PT = 225 * 72 / 25.4 / m.LINES_PER_PAGE  # 225 mm of 版心 over 22 lines ≈ 28.9 pt


def _font(run: Run, name: str, size_pt: float, *, red: bool = False, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    if red:
        run.font.color.rgb = RGBColor(*m.RED)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


def _paragraph(
    doc: Document,  # type: ignore[valid-type]
    text: str,
    font: str,
    size: float,
    *,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars: float = 0,
    right_chars: float = 0,
    red: bool = False,
    line_pt: float = LINE_PT,
) -> Paragraph:
    para = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = para.paragraph_format
    fmt.alignment = align
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line_pt)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent_chars:
        fmt.first_line_indent = Pt(size * indent_chars)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    if text:
        _font(para.add_run(text), font, size, red=red)
    return para


def _rule(para: Paragraph, *, red: bool, where: str = "bottom", size_eighths: int = 8) -> None:
    """A horizontal line under (or over) a paragraph: the red separator, the 版记's lines."""
    p_pr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    line = OxmlElement(f"w:{where}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), "E60012" if red else "000000")
    borders.append(line)
    p_pr.append(borders)


def _page_numbers(section: object) -> None:
    footer = section.footer  # type: ignore[attr-defined]
    para = footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(para.add_run("— "), "宋体", m.NOTE_PT)
    run = para.add_run()
    _font(run, "宋体", m.NOTE_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
    _font(para.add_run(" —"), "宋体", m.NOTE_PT)


def render_docx(document: m.OfficialDocument) -> bytes:
    """The document as the bytes of a .docx file."""
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(m.PAGE_WIDTH_MM), Mm(m.PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(m.TOP_MM), Mm(m.BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(m.LEFT_MM), Mm(m.RIGHT_MM)
    section.footer_distance = Mm(28 - 7)  # page numbers 7 mm under the last line of 版心
    normal = doc.styles["Normal"]
    normal.font.name = m.BODY_FONT
    normal.font.size = Pt(m.BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), m.BODY_FONT)
    props = doc.core_properties
    props.title, props.subject = document.title, str(document.number)
    props.author, props.keywords = document.organ, "，".join((document.article, *document.keywords))
    props.comments = document.case_id

    mark_pt = min(m.MARK_PT, 156 * 72 / 25.4 / len(document.issuer) * 0.97)  # one line across 版心
    _paragraph(
        doc,
        document.issuer,
        m.TITLE_FONT,
        mark_pt,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        red=True,
        line_pt=mark_pt * 1.4,
    )
    _paragraph(doc, "", m.BODY_FONT, m.BODY_PT)
    number = _paragraph(doc, str(document.number), m.BODY_FONT, m.BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _rule(number, red=True, size_eighths=12)
    _paragraph(doc, "", m.BODY_FONT, m.BODY_PT)
    _paragraph(
        doc,
        document.title,
        m.TITLE_FONT,
        m.TITLE_PT,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line_pt=m.TITLE_PT * 1.5,
    )
    _paragraph(doc, "", m.BODY_FONT, m.BODY_PT)
    _paragraph(doc, f"{document.main_recipient}：", m.BODY_FONT, m.BODY_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
    for block in document.body:
        font = {1: m.HEADING_FONT, 2: m.SUBHEADING_FONT}.get(block.level, m.BODY_FONT)
        _paragraph(doc, block.text, font, m.BODY_PT, indent_chars=2)
    if document.attachments:
        _paragraph(doc, "", m.BODY_FONT, m.BODY_PT)
        for index, name in enumerate(document.attachments, 1):
            label = "附件：" if index == 1 else "　　　"
            prefix = f"{index}. " if len(document.attachments) > 1 else ""
            _paragraph(doc, f"{label}{prefix}{name}", m.BODY_FONT, m.BODY_PT, indent_chars=2)
    for _ in range(2):
        _paragraph(doc, "", m.BODY_FONT, m.BODY_PT)
    # 发文机关署名 centred over 成文日期, which stands 4 characters from the right (GB/T 9704 §7.3.5.2)
    organ_indent = max((len(document.date_text) - len(document.organ)) / 2, 0) + 4
    _paragraph(
        doc, document.organ, m.BODY_FONT, m.BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=organ_indent
    )
    _paragraph(doc, document.date_text, m.BODY_FONT, m.BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT, right_chars=4)
    _paragraph(doc, "", m.BODY_FONT, m.BODY_PT)
    # 版记: copy-to and printing line between lines, 4号 (§7.4)
    if document.copy_to:
        copy = _paragraph(doc, document.copy_to_text, m.BODY_FONT, m.NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
        copy.paragraph_format.left_indent = Pt(m.NOTE_PT)
        _rule(copy, red=False, where="top", size_eighths=6)
    printed = _paragraph(doc, document.printed_text, m.BODY_FONT, m.NOTE_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
    printed.paragraph_format.left_indent = Pt(m.NOTE_PT)
    _rule(printed, red=False, where="bottom", size_eighths=6)
    if not document.copy_to:
        _rule(printed, red=False, where="top", size_eighths=6)
    _page_numbers(section)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
