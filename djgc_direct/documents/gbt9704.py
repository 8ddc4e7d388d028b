"""GB/T 9704-2012 (党政机关公文格式) page and paragraph layout for python-docx documents.

Every document builder (review slips, briefing packs, bulletins, supervision notices, assessment
reports) starts from `new_document()` and adds content only through the helpers here, so that page
geometry, fonts and the handling of user text are the same in every document. Plain python-docx:
no database, no Flask.

Every helper passes its text through `clean_text`, so a control character pasted into a letter can
never make a document unreadable.
"""
import io
import math
import re
import unicodedata
from dataclasses import dataclass

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

POINTS_PER_MM = 72 / 25.4
TWIPS_PER_POINT = 20
# ECMA-376 §17.6.5: docGrid/@charSpace is counted in 4096ths of a point.
CHAR_SPACE_UNITS_PER_POINT = 4096

# Chinese type sizes (字号), in points.
SIZE_CHUHAO = 42  # 初号
SIZE_2HAO = 22  # 2号
SIZE_3HAO = 16  # 3号
SIZE_4HAO = 14  # 4号

# Family names as Word and fontconfig look them up (each font also answers to its Chinese name).
FANGSONG = "FangSong_GB2312"  # 仿宋_GB2312: body text
XIAOBIAOSONG = "FZXiaoBiaoSong-B05S"  # 方正小标宋简体: title and letterhead
HEITI = "SimHei"  # 黑体: first-level headings, labels, table headers
KAITI = "KaiTi_GB2312"  # 楷体_GB2312: second-level headings
SONGTI = "SimSun"  # 宋体: page numbers (§7.5)
# §7.3.3: 一、 黑体; （一） 楷体; 1. and （1） 仿宋.
HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}

OFFICIAL_RED = RGBColor(0xFF, 0x00, 0x00)

# Word rejects a file whose property elements are out of schema order, so elements that python-docx
# has no setter for are inserted at their place in these ECMA-376 sequences.
_PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)
_RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)
_TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter", "w:cantSplit",
    "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del",
    "w:trPrChange",
)
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
    "w:tblPrChange",
)
_SECTPR_ORDER_FROM_DOCGRID = ("w:docGrid", "w:printerSettings", "w:sectPrChange")


@dataclass(frozen=True)
class PageLayout:
    """The A4 page of GB/T 9704-2012 §5: margins, type area (版心) and its 22 × 28 character grid."""

    page_width_mm: float = 210
    page_height_mm: float = 297
    margin_top_mm: float = 37
    margin_bottom_mm: float = 35
    margin_left_mm: float = 28
    margin_right_mm: float = 26
    lines_per_page: int = 22
    chars_per_line: int = 28
    body_size_pt: float = SIZE_3HAO

    @property
    def type_width_mm(self):
        return self.page_width_mm - self.margin_left_mm - self.margin_right_mm

    @property
    def type_height_mm(self):
        return self.page_height_mm - self.margin_top_mm - self.margin_bottom_mm

    @property
    def line_pitch_twips(self):
        """Exact line spacing and docGrid linePitch: the type height shared by the lines of a page,
        225 mm = 637.8 pt / 22 = 28.99 pt = 579.8 twips, rounded down so that the last line never
        spills into the bottom margin: 579 twips (28.95 pt)."""
        type_height_twips = self.type_height_mm * POINTS_PER_MM * TWIPS_PER_POINT
        return math.floor(type_height_twips / self.lines_per_page)

    @property
    def char_space(self):
        """docGrid charSpace. Word sets every character of the section on a pitch of
        (Normal font size + charSpace / 4096) pt (ECMA-376 §17.6.5), so 28 characters fill the type
        width when charSpace = (type width / 28 − 16 pt) × 4096 = (442.2 pt / 28 − 16) × 4096
        = −847.9; rounded down (−848) so that the 28th character always fits."""
        char_pitch_pt = self.type_width_mm * POINTS_PER_MM / self.chars_per_line
        return math.floor((char_pitch_pt - self.body_size_pt) * CHAR_SPACE_UNITS_PER_POINT)

    @property
    def char_condense_twips(self):
        """How much narrower than its 16 pt each character is set, for layout engines without Word's
        character grid: 16 pt − 442.2 pt / 28 = 0.21 pt → 5 twips, plus one twip because
        LibreOffice, rounding, still put the 28th character on the next line at 5."""
        char_pitch_pt = self.type_width_mm * POINTS_PER_MM / self.chars_per_line
        return math.ceil((self.body_size_pt - char_pitch_pt) * TWIPS_PER_POINT) + 1


LAYOUT = PageLayout()
LINE_PITCH = Twips(LAYOUT.line_pitch_twips)
BODY_INDENT = Pt(2 * SIZE_3HAO)  # paragraphs open two characters in (首行缩进2字)

# §7.5: the dashes round the page number sit 7 mm below the type area.
PAGE_NUMBER_GAP_MM = 7

# Characters outside XML 1.0's Char production: C0 controls other than tab, LF and CR, lone UTF-16
# surrogates, U+FFFE and U+FFFF. lxml refuses to store them and Word refuses a file holding them.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Word's own "No-Width Non Break" special character is U+200D (its special-character list offers no
# other zero-width no-break), and Unicode line breaking (UAX #14, rules LB8a and LB9) allows no
# break on either side of it either. U+2060 WORD JOINER is the textbook choice elsewhere, but not
# one of Word's. LibreOffice 7.4 breaks Chinese text by its own rules and ignores U+200D, U+2060
# and U+FEFF alike (tried); its later versions honour U+2060 in Chinese text.
NO_WIDTH_NON_BREAK = "\u200d"
# A name held together is pushed whole to the next line; beyond a third of a line or so, the gap it
# leaves at the end of a justified line is worse than a broken name.
KEEP_TOGETHER_MAX_CHARS = 10


def clean_text(text):
    """`text` without the characters XML 1.0 forbids. Tabs, newlines, emoji and CJK extension
    characters (𠀀 U+20000 …) are kept as they are."""
    return _XML_FORBIDDEN.sub("", text)


def keep_together(name):
    """`name` (a person or a unit) with Word's no-width no-break character between its letters,
    so that Word carries it whole to the next line instead of splitting it.

    Best effort, not a guarantee: no one character keeps Chinese text together everywhere.
    LibreOffice 7.4 ignores it (and every other joiner) in Chinese text; see NO_WIDTH_NON_BREAK.
    Only letters and digits are joined (a joiner between two emoji would fuse them into one emoji
    sequence), and names longer than KEEP_TOGETHER_MAX_CHARS stay breakable. The joiners are part
    of the text: searching the .docx for the plain name does not find the joined one.
    """
    name = clean_text(name)
    if len(name) > KEEP_TOGETHER_MAX_CHARS:
        return name
    joined = name[:1]
    for previous, char in zip(name, name[1:]):
        if _is_letter_or_digit(previous) and _is_letter_or_digit(char):
            joined += NO_WIDTH_NON_BREAK
        joined += char
    return joined


def chinese_date(day):
    """`day` as an official document writes it (§7.3.5.1): 2026年11月26日, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def new_document():
    """An empty document with the GB/T 9704 page, body style and page numbers."""
    doc = Document()
    _set_up_page(doc.sections[0])
    _set_up_body_style(doc)
    _add_page_numbers(doc)
    return doc


def document_bytes(doc):
    """The .docx file of `doc`, as bytes."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def add_letterhead(doc, office_name):
    """The issuing office's mark (发文机关标志, §7.2.3): its name in red 小标宋, centred, as large as
    fits one line up to 初号, over a red rule as wide as the type area (§7.2.4)."""
    office_name = clean_text(office_name)
    size_pt = max(SIZE_2HAO, min(SIZE_CHUHAO, _largest_size_on_one_line(office_name)))
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Taller than a body line, which has exact spacing and would clip it.
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    # §7.3.1: the title starts two lines below the rule.
    paragraph.paragraph_format.space_after = Twips(2 * LAYOUT.line_pitch_twips)
    _add_red_rule_below(paragraph)
    run = _add_run(paragraph, office_name, XIAOBIAOSONG, size_pt)
    run.font.color.rgb = OFFICIAL_RED
    return paragraph


def add_masthead(doc, name, issue, office, day):
    """The masthead of a bulletin (简报报头): its name in red 小标宋 as large as fits one line up to
    初号, the issue (第N期) centred below it, then the issuing office at the left margin and the
    date at the right one, over a red rule as wide as the type area."""
    name = clean_text(name)
    size_pt = max(SIZE_2HAO, min(SIZE_CHUHAO, _largest_size_on_one_line(name)))
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE  # taller than a body line
    _add_run(heading, name, XIAOBIAOSONG, size_pt).font.color.rgb = OFFICIAL_RED
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.add_run(clean_text(issue))
    imprint = doc.add_paragraph()
    imprint.paragraph_format.tab_stops.add_tab_stop(Mm(LAYOUT.type_width_mm), WD_TAB_ALIGNMENT.RIGHT)
    imprint.paragraph_format.space_after = LINE_PITCH
    _add_red_rule_below(imprint)
    imprint.add_run(f"{clean_text(office)}\t{chinese_date(day)}")
    return heading


def add_title(doc, text):
    """The title (标题, §7.3.1): 2号小标宋, centred, followed by one blank line. A newline in `text`
    breaks the title over lines."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = LINE_PITCH
    paragraph.paragraph_format.keep_with_next = True
    _add_run(paragraph, clean_text(text), XIAOBIAOSONG, SIZE_2HAO)
    return paragraph


def add_heading(doc, text, level):
    """A heading of the structure (结构层次序数, §7.3.3), 3号, indented like the body, shown in
    Word's navigation pane. `text` carries its own ordinal (一、 （一） 1. （1）)."""
    if level not in HEADING_FONTS:
        raise ValueError(f"heading level must be one of {sorted(HEADING_FONTS)}, not {level!r}")
    paragraph = doc.add_paragraph()
    _indent_first_line(paragraph)
    paragraph.paragraph_format.keep_with_next = True
    _set_property(paragraph._p.get_or_add_pPr(), "w:outlineLvl", _PPR_ORDER, val=str(level - 1))
    _add_run(paragraph, clean_text(text), HEADING_FONTS[level], SIZE_3HAO)
    return paragraph


def add_body(doc, text, names=()):
    """Body text (正文): one justified paragraph, indented two characters, per line of `text`.
    Each of `names` found in the text is kept on one line (see `keep_together`)."""
    text = _hold_names_together(clean_text(text), names)
    paragraphs = []
    for line in _LINE_BREAK.split(text):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        _indent_first_line(paragraph)
        if line:
            paragraph.add_run(line)
        paragraphs.append(paragraph)
    return paragraphs


def add_picture(doc, png, width_mm=None):
    """A picture (PNG bytes) centred in a paragraph of its own, as wide as the type area unless
    `width_mm` is given. Its line is as tall as the picture: the body's exact line spacing would
    clip it to one line."""
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm or LAYOUT.type_width_mm))
    return paragraph


def add_page_break(doc):
    """Start a new page."""
    doc.add_page_break()


def add_table(doc, header, rows, widths_mm=None):
    """A ruled table: `header` (a list of column titles, 黑体, repeated on every page the table
    runs over) then `rows` (lists of values, body font). Columns share the type width equally
    unless `widths_mm` gives each one."""
    column_count = len(header)
    widths_mm = widths_mm or [LAYOUT.type_width_mm / column_count] * column_count
    if len(widths_mm) != column_count:
        raise ValueError(f"{len(widths_mm)} column widths for {column_count} columns")
    table = _add_separate_table(doc, cols=column_count)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False

    header_row = table.rows[0]
    tr_pr = header_row._tr.get_or_add_trPr()
    _set_property(tr_pr, "w:cantSplit", _TRPR_ORDER)
    _set_property(tr_pr, "w:tblHeader", _TRPR_ORDER)
    for cell, title in zip(header_row.cells, header):
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _add_run(paragraph, _cell_text(title), HEITI, SIZE_3HAO)

    for values in rows:
        if len(values) != column_count:
            raise ValueError(f"a row of {len(values)} values in a table of {column_count} columns")
        for cell, value in zip(table.add_row().cells, values):
            cell.paragraphs[0].add_run(_cell_text(value))

    # Word sizes columns by the cell widths, LibreOffice by the grid columns: set both.
    for column, width_mm in zip(table.columns, widths_mm):
        column.width = Mm(width_mm)
        for cell in column.cells:
            cell.width = Mm(width_mm)
    return table


def add_ruled_box(doc, label, text=None, height_lines=8):
    """A bordered box as wide as the type area and at least `height_lines` lines high, headed by
    `label` (黑体): room for a leader's handwritten annotation (批示), or filled with `text`."""
    table = _add_separate_table(doc, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_box_borders(table)
    row = table.rows[0]
    row.height = Twips(LAYOUT.line_pitch_twips * height_lines)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST  # a filled box grows with its text
    if text is None:
        # An empty box must not be cut in two by a page break; a filled one may have to be.
        _set_property(row._tr.get_or_add_trPr(), "w:cantSplit", _TRPR_ORDER)

    cell = row.cells[0]
    cell.width = Mm(LAYOUT.type_width_mm)
    _add_run(cell.paragraphs[0], clean_text(label), HEITI, SIZE_3HAO)
    if text is not None:
        for line in _LINE_BREAK.split(clean_text(text)):
            paragraph = cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _indent_first_line(paragraph)
            paragraph.add_run(line)
    return table


def add_signature_block(doc, office, day):
    """The issuer and date of a document without a seal (§7.3.5.2): a blank line after the body,
    the office right-aligned two characters in from the margin, the date on the next line starting
    two characters further right than the office — or, when the date is the longer, the date two
    characters in and the office moved to keep that offset."""
    office = clean_text(office)
    date_text = chinese_date(day)
    office_width = _width_in_chars(office)
    date_width = _width_in_chars(date_text)
    date_indent_chars = max(2, office_width - date_width)
    office_indent_chars = date_indent_chars + date_width + 2 - office_width

    doc.add_paragraph()
    paragraphs = []
    for text, indent_chars in ((office, office_indent_chars), (date_text, date_indent_chars)):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.paragraph_format.right_indent = Pt(indent_chars * SIZE_3HAO)
        paragraph.add_run(text)
        paragraphs.append(paragraph)
    return paragraphs


def _set_up_page(section):
    section.page_width = Mm(LAYOUT.page_width_mm)
    section.page_height = Mm(LAYOUT.page_height_mm)
    section.top_margin = Mm(LAYOUT.margin_top_mm)
    section.bottom_margin = Mm(LAYOUT.margin_bottom_mm)
    section.left_margin = Mm(LAYOUT.margin_left_mm)
    section.right_margin = Mm(LAYOUT.margin_right_mm)
    section.gutter = Mm(0)
    # The page-number line is SIZE_4HAO high (exact spacing); its middle, where the dashes are,
    # goes PAGE_NUMBER_GAP_MM below the type area.
    section.footer_distance = Mm(LAYOUT.margin_bottom_mm - PAGE_NUMBER_GAP_MM) - Pt(SIZE_4HAO / 2)
    _set_property(
        section._sectPr, "w:docGrid", _SECTPR_ORDER_FROM_DOCGRID,
        type="linesAndChars",
        linePitch=str(LAYOUT.line_pitch_twips),
        charSpace=str(LAYOUT.char_space),
    )


def _set_up_body_style(doc):
    """Normal = the body: 3号仿宋 on exact 22-a-page lines. The template's defaults name theme fonts
    (a Japanese theme for East-Asian text), which would override any explicit font: they are
    replaced by 仿宋 too, so that no style falls back to them."""
    defaults_r_pr = doc.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")[0]
    _set_fonts(defaults_r_pr, FANGSONG)
    lang = defaults_r_pr.find(qn("w:lang"))
    lang.set(qn("w:eastAsia"), "zh-CN")  # Chinese line-breaking rules (kinsoku) and proofing

    normal = doc.styles["Normal"]
    normal.font.size = Pt(LAYOUT.body_size_pt)
    r_pr = normal.element.get_or_add_rPr()
    _set_fonts(r_pr, FANGSONG)
    # 28 characters a line. Word sets them on the docGrid character pitch (15.8 pt); LibreOffice
    # instead gives a 16 pt character two such cells (14 a line). So paragraphs opt out of the grid
    # and characters are condensed just enough for 28 to fit at their own width. Word reads the
    # paragraph opt-out for the line grid only (ECMA-376 §17.3.1.32), which exact line spacing
    # overrides anyway, and keeps the character grid.
    _set_property(normal.element.get_or_add_pPr(), "w:snapToGrid", _PPR_ORDER, val="0")
    _set_property(r_pr, "w:spacing", _RPR_ORDER, val=str(-LAYOUT.char_condense_twips))
    paragraph_format = normal.paragraph_format
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = LINE_PITCH
    paragraph_format.space_before = Pt(0)
    paragraph_format.space_after = Pt(0)
    # Widow control would move single lines to the next page and leave pages of 21 lines.
    paragraph_format.widow_control = False


def _add_page_numbers(doc):
    """§7.5: 4号 半角宋体 "— N —", odd pages right and even pages left, one character in from the
    edge of the type area. This is the standard's placement for double-sided printing, where the
    number then always sits on the outer edge; Word and LibreOffice both honour separate odd and
    even footers."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        paragraph.alignment = alignment
        paragraph_format = paragraph.paragraph_format
        paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph_format.line_spacing = Pt(SIZE_4HAO)
        if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
            paragraph_format.right_indent = Pt(SIZE_4HAO)
        else:
            paragraph_format.left_indent = Pt(SIZE_4HAO)
        _add_run(paragraph, "— ", SONGTI, SIZE_4HAO)
        _add_page_field(paragraph)
        _add_run(paragraph, " —", SONGTI, SIZE_4HAO)


def _add_page_field(paragraph):
    """A PAGE field; Word and LibreOffice compute its value when they lay the page out."""
    for kind in ("begin", "instruction", "end"):
        run = _add_run(paragraph, "", SONGTI, SIZE_4HAO)
        if kind == "instruction":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = " PAGE "
            run._r.append(instruction)
        else:
            run._r.append(OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): kind}))


def _add_run(paragraph, text, font_name, size_pt):
    run = paragraph.add_run(text)
    run.font.size = Pt(size_pt)
    r_pr = run._r.get_or_add_rPr()
    _set_fonts(r_pr, font_name)
    if size_pt > LAYOUT.body_size_pt:
        # On the character grid a glyph wider than one grid cell would be spread over two.
        r_pr.get_or_add_snapToGrid().set(qn("w:val"), "0")
    return run


def _set_fonts(r_pr, font_name):
    """Word takes the face of CJK characters from w:eastAsia only; ascii/hAnsi name the face of
    Latin letters and digits, which official documents set in the same font. The hint makes
    ambiguous characters (— “ ” …) take the East-Asian face. Theme fonts would win over the
    explicit names, so they are removed."""
    r_fonts = r_pr.get_or_add_rFonts()
    for theme_attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(theme_attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        r_fonts.set(qn(attribute), font_name)
    r_fonts.set(qn("w:hint"), "eastAsia")


def _set_property(parent, tag, order, **attributes):
    """Put element `tag` with `attributes` into the properties element `parent`, replacing any
    existing one, at its place in the schema `order`."""
    for existing in parent.findall(qn(tag)):
        parent.remove(existing)
    element = OxmlElement(tag, attrs={qn(f"w:{name}"): value for name, value in attributes.items()})
    parent.insert_element_before(element, *order[order.index(tag) + 1:])
    return element


def _indent_first_line(paragraph):
    """Two characters. Word reads firstLineChars (in hundredths of a character, so it stays two
    grid cells wide); LibreOffice and others read the length in firstLine."""
    paragraph.paragraph_format.first_line_indent = BODY_INDENT
    paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")


def _add_red_rule_below(paragraph):
    border = OxmlElement("w:bottom", attrs={
        qn("w:val"): "single",
        qn("w:sz"): "18",  # eighths of a point: 2.25 pt; the standard fixes colour and length only
        qn("w:space"): str(round(4 * POINTS_PER_MM)),  # points between text and rule: 4 mm (§7.2.4)
        qn("w:color"): str(OFFICIAL_RED),
    })
    _set_property(paragraph._p.get_or_add_pPr(), "w:pBdr", _PPR_ORDER).append(border)


def _add_separate_table(doc, cols):
    """A one-row table. Word and LibreOffice merge two tables with nothing between them into one,
    so a table that would directly follow another gets an empty paragraph before it."""
    blocks = [child for child in doc.element.body if child.tag != qn("w:sectPr")]
    if blocks and blocks[-1].tag == qn("w:tbl"):
        doc.add_paragraph()
    return doc.add_table(rows=1, cols=cols)


def _set_box_borders(table):
    borders = _set_property(table._tbl.tblPr, "w:tblBorders", _TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right"):
        borders.append(OxmlElement(f"w:{side}", attrs={
            qn("w:val"): "single", qn("w:sz"): "8", qn("w:space"): "0", qn("w:color"): "000000",
        }))


def _hold_names_together(text, names):
    # Longest first, so that a name inside a longer one ("柳州市" in "柳州市委") does not split it.
    for name in sorted({clean_text(name) for name in names}, key=len, reverse=True):
        if name:
            text = text.replace(name, keep_together(name))
    return text


def _cell_text(value):
    return "" if value is None else clean_text(str(value))


def _is_letter_or_digit(char):
    return unicodedata.category(char)[0] in "LN"


def _width_in_chars(text):
    """Width in full-width character cells: half-width characters (digits, Latin) count a half."""
    return sum(1 if unicodedata.east_asian_width(char) in "WF" else 0.5 for char in text)


def _largest_size_on_one_line(text):
    type_width_pt = LAYOUT.type_width_mm * POINTS_PER_MM
    return math.floor(type_width_pt / max(_width_in_chars(text), 1))
