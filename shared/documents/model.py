"""The one model of a written document (GB/T 9704-2012) and the issuing offices per jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.jurisdictions import jurisdiction_name

#: GB/T 9704-2012 §5–7 in millimetres and points (2号 = 22 pt, 3号 = 16 pt, 4号 = 14 pt)
PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, BOTTOM_MM, LEFT_MM, RIGHT_MM = 37, 35, 28, 26  # 版心 156 mm × 225 mm
TITLE_PT, BODY_PT, NOTE_PT, MARK_PT = 22, 16, 14, 36
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
RED = (0xE6, 0x00, 0x12)

TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"

#: jurisdiction code → (the office's name as its authority mark, the short prefix of its numbers)
ISSUERS: dict[str, tuple[str, str]] = {
    "330200": ("中共宁波市委机构编制委员会办公室", "甬编办"),
    "330203": ("中共宁波市海曙区委机构编制委员会办公室", "海编办"),
    "330212": ("中共宁波市鄞州区委机构编制委员会办公室", "鄞州编办"),
}


def issuer_for(jurisdiction: str) -> str:
    """The issuing authority mark (发文机关标志) of a jurisdiction's office."""
    known = ISSUERS.get(jurisdiction)
    return known[0] if known else f"{jurisdiction_name(jurisdiction)}机构编制委员会办公室"


#: the kind of series each service numbers its documents in (series_for(jurisdiction, kind)): each service
#: keeps its own counter, so no two services number in one series — 甬编办函 is intake's casework,
#: 甬编办下放函 devolution's 第三十四条 notices
SERIES_KINDS = {"intake": "函", "devolution": "下放函"}


def series_for(jurisdiction: str, kind: str = "函") -> str:
    """The document series (发文机关代字 + type), e.g. 甬编办函; numbers count per series and year."""
    known = ISSUERS.get(jurisdiction)
    return f"{known[1] if known else jurisdiction_name(jurisdiction) + '编办'}{kind}"


@dataclass(frozen=True)
class DocumentNumber:
    """发文字号: series, year in 六角括号 〔〕, sequence without leading zeros (GB/T 9704 §7.2.4)."""

    series: str
    year: int
    sequence: int

    def __str__(self) -> str:
        return f"{self.series}〔{self.year}〕{self.sequence}号"


@dataclass(frozen=True)
class Block:
    """A paragraph of the body: level 0 text (仿宋), 1 a first-level heading 一、(黑体), 2 a second-level
    heading （一）(楷体)."""

    text: str
    level: int = 0


@dataclass(frozen=True)
class OfficialDocument:
    issuer: str
    number: DocumentNumber
    title: str
    main_recipient: str
    body: tuple[Block, ...]
    organ: str
    dated: date
    copy_to: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    printed_by: str = ""
    article: str = ""  # the article of the measures it serves, for the file's properties
    case_id: str = ""
    keywords: tuple[str, ...] = field(default=())

    @property
    def date_text(self) -> str:
        """成文日期 in Arabic numerals, no leading zeros: 2026年1月5日 (GB/T 9704 §7.3.5.1)."""
        return f"{self.dated.year}年{self.dated.month}月{self.dated.day}日"

    @property
    def copy_to_text(self) -> str:
        return "抄送：" + "，".join(self.copy_to) + "。" if self.copy_to else ""

    @property
    def printed_text(self) -> str:
        return f"{self.printed_by or self.organ}　　{self.date_text}印发"

    @property
    def filename_stem(self) -> str:
        return f"{self.number}{self.title}"
