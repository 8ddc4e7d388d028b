"""The GB/T 9704-2012 document layer: page, fonts, grid, page numbers, helpers and hostile text.

Every check reads the document back from its .docx bytes, as a reader of the file would.
"""
import io
import math
import random
import re
from datetime import date

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Emu, Pt, Twips

from djgc_direct.documents import gbt9704 as gb
from djgc_direct.documents.gbt9704 import (
    add_body, add_heading, add_letterhead, add_page_break, add_ruled_box, add_signature_block,
    add_table, add_title, chinese_date, clean_text, document_bytes, keep_together, new_document,
)

MM_PER_PT = 25.4 / 72
FORBIDDEN = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
FLAG = "🚩"
RARE_HAN = "𠀀"  # U+20000, CJK Extension B: outside the Basic Multilingual Plane


def reopened(doc):
    return Document(io.BytesIO(document_bytes(doc)))


def east_asian_font(r_pr):
    return r_pr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def type_area_pt(section):
    """Type area as the file stores it (in twips, so after rounding), in points."""
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    return Emu(width).pt, Emu(height).pt


# --- page ---------------------------------------------------------------------------------------

def test_page_is_a4_with_the_standard_margins():
    section = reopened(new_document()).sections[0]
    for length, expected_mm in (
        (section.page_width, 210), (section.page_height, 297),
        (section.top_margin, 37), (section.bottom_margin, 35),
        (section.left_margin, 28), (section.right_margin, 26),
    ):
        assert length.mm == pytest.approx(expected_mm, abs=0.1)


def test_body_style_is_3hao_fangsong_set_through_east_asia():
    doc = reopened(new_document())
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16)
    r_fonts = normal.element.rPr.rFonts
    assert r_fonts.get(qn("w:eastAsia")) == "FangSong_GB2312"
    assert r_fonts.get(qn("w:ascii")) == r_fonts.get(qn("w:hAnsi")) == "FangSong_GB2312"
    # Theme fonts would win over the names, in the style and in the document defaults alike.
    defaults = doc.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts")[0]
    for element in (r_fonts, defaults):
        assert not [name for name in element.attrib if name.endswith("Theme") or name.endswith("theme")]
    assert defaults.get(qn("w:eastAsia")) == "FangSong_GB2312"


def test_exact_line_spacing_puts_22_lines_in_the_type_area():
    doc = reopened(new_document())
    type_height_twips = 225 / MM_PER_PT * 20
    expected_twips = math.floor(type_height_twips / 22)  # 579.8 rounded down
    assert expected_twips == gb.LAYOUT.line_pitch_twips == 579

    paragraph_format = doc.styles["Normal"].paragraph_format
    assert paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert paragraph_format.line_spacing == Twips(expected_twips)
    _, stored_height_pt = type_area_pt(doc.sections[0])
    line_pt = paragraph_format.line_spacing.pt
    assert 22 * line_pt <= stored_height_pt < 23 * line_pt
    assert paragraph_format.widow_control is False  # no page loses a line to widow control


def test_document_grid_gives_22_lines_of_28_characters():
    doc = reopened(new_document())
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    assert int(grid.get(qn("w:linePitch"))) == 579

    # Word's character pitch is the Normal size plus charSpace/4096 pt (ECMA-376 §17.6.5).
    char_space = int(grid.get(qn("w:charSpace")))
    assert char_space == math.floor((156 / MM_PER_PT / 28 - 16) * 4096) == -848
    pitch_pt = 16 + char_space / 4096
    stored_width_pt, _ = type_area_pt(doc.sections[0])
    assert 28 * pitch_pt <= stored_width_pt < 29 * pitch_pt


def test_characters_are_condensed_so_28_fit_without_the_grid_too():
    doc = reopened(new_document())
    normal = doc.styles["Normal"].element
    assert normal.pPr.find(qn("w:snapToGrid")).get(qn("w:val")) == "0"
    condense_pt = -int(normal.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    stored_width_pt, _ = type_area_pt(doc.sections[0])
    assert 0 < condense_pt < 0.5
    assert 28 * (16 - condense_pt) <= stored_width_pt < 29 * (16 - condense_pt)


def test_page_numbers_are_4hao_page_fields_between_dashes_odd_right_even_left():
    doc = reopened(new_document())
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == alignment
        p = paragraph._p
        assert [f.get(qn("w:fldCharType")) for f in p.iter(qn("w:fldChar"))] == ["begin", "end"]
        assert [i.text.strip() for i in p.iter(qn("w:instrText"))] == ["PAGE"]
        texts = [t.text for t in p.iter(qn("w:t"))]
        assert texts == ["— ", " —"]
        assert {run.font.size for run in paragraph.runs} == {Pt(14)}


def test_page_numbers_sit_7mm_below_the_type_area():
    section = reopened(new_document()).sections[0]
    # The footer line is 14 pt high; its middle, where the dashes are, is 7 mm under the type area.
    middle_mm = section.footer_distance.mm + 7 * MM_PER_PT
    assert section.bottom_margin.mm - middle_mm == pytest.approx(7, abs=0.1)


# --- paragraphs ---------------------------------------------------------------------------------

def test_title_is_2hao_xiaobiaosong_centred():
    doc = new_document()
    add_title(doc, "关于雒容工业园区拖欠农民工工资问题的办理情况报告")
    paragraph = reopened(doc).paragraphs[0]
    run = paragraph.runs[0]
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert run.font.size == Pt(22)
    assert east_asian_font(run._r.rPr) == "FZXiaoBiaoSong-B05S"
    assert paragraph.text == "关于雒容工业园区拖欠农民工工资问题的办理情况报告"


def test_headings_use_heiti_then_kaiti_and_reach_the_navigation_pane():
    doc = new_document()
    add_heading(doc, "一、基本情况", 1)
    add_heading(doc, "（一）办理结果", 2)
    first, second = reopened(doc).paragraphs
    assert east_asian_font(first.runs[0]._r.rPr) == "SimHei"
    assert east_asian_font(second.runs[0]._r.rPr) == "KaiTi_GB2312"
    assert first.runs[0].font.size == second.runs[0].font.size == Pt(16)
    assert [p._p.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) for p in (first, second)] == ["0", "1"]
    assert first.paragraph_format.keep_with_next


def test_heading_level_outside_the_standard_is_refused():
    with pytest.raises(ValueError):
        add_heading(new_document(), "五级", 5)


def test_body_paragraphs_are_justified_and_indented_two_characters():
    doc = new_document()
    add_body(doc, "第一段。\n第二段。\r\n第三段。")
    paragraphs = reopened(doc).paragraphs
    assert [p.text for p in paragraphs] == ["第一段。", "第二段。", "第三段。"]
    for paragraph in paragraphs:
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
        assert paragraph.paragraph_format.first_line_indent == Pt(32)
        assert paragraph._p.pPr.ind.get(qn("w:firstLineChars")) == "200"


def test_page_break_starts_a_new_page():
    doc = new_document()
    add_body(doc, "一")
    add_page_break(doc)
    add_body(doc, "二")
    body_xml = reopened(doc).element.body.xml
    assert body_xml.count('w:type="page"') == 1


def test_table_is_ruled_and_repeats_its_header_row():
    doc = new_document()
    rows = [[f"直通〔2026〕{n:04d}号", "雒容工业园区管委会", 173] for n in range(1, 41)]
    add_table(doc, ["编号", "承办单位", "金额（万元）"], rows, widths_mm=[60, 60, 36])
    table = reopened(doc).tables[0]
    assert table.style.name == "Table Grid"
    header_pr, first_row_pr = table.rows[0]._tr.trPr, table.rows[1]._tr.trPr
    assert header_pr.find(qn("w:tblHeader")) is not None
    assert first_row_pr is None or first_row_pr.find(qn("w:tblHeader")) is None
    assert [cell.text for cell in table.rows[0].cells] == ["编号", "承办单位", "金额（万元）"]
    assert east_asian_font(table.rows[0].cells[0].paragraphs[0].runs[0]._r.rPr) == "SimHei"
    assert [cell.text for cell in table.rows[40].cells] == ["直通〔2026〕0040号", "雒容工业园区管委会", "173"]
    assert [round(column.width.mm) for column in table.columns] == [60, 60, 36]


def test_table_columns_share_the_type_width_by_default():
    doc = new_document()
    add_table(doc, ["甲", "乙"], [["1", None]])
    table = reopened(doc).tables[0]
    assert [round(column.width.mm) for column in table.columns] == [78, 78]
    assert table.rows[1].cells[1].text == ""


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError):
        add_table(new_document(), ["甲", "乙"], [["只有一格"]])


def test_ruled_box_is_bordered_and_tall_enough_for_an_annotation():
    doc = new_document()
    add_ruled_box(doc, "领导批示：")
    add_ruled_box(doc, "办理意见：", "请市财政局会同园区管委会办理。", height_lines=4)
    reread = reopened(doc)
    empty_box, filled_box = reread.tables
    for box in (empty_box, filled_box):
        borders = box._tbl.tblPr.find(qn("w:tblBorders"))
        for side in ("top", "left", "bottom", "right"):
            assert borders.find(qn(f"w:{side}")).get(qn("w:val")) == "single"
    assert empty_box.rows[0].height == Twips(8 * 579)
    assert filled_box.rows[0].height == Twips(4 * 579)
    assert empty_box._tbl.tr_lst[0].trPr.find(qn("w:cantSplit")) is not None
    assert [p.text for p in filled_box.rows[0].cells[0].paragraphs] == ["办理意见：", "请市财政局会同园区管委会办理。"]


def test_consecutive_tables_stay_separate():
    doc = new_document()
    add_table(doc, ["甲"], [["1"]])
    add_ruled_box(doc, "领导批示：")
    body = reopened(doc).element.body
    tags = [child.tag for child in body if child.tag != qn("w:sectPr")]
    assert tags == [qn("w:tbl"), qn("w:p"), qn("w:tbl")]


def test_letterhead_is_red_centred_over_a_red_rule():
    doc = new_document()
    add_letterhead(doc, "柳州市党代表直通车办公室")
    paragraph = reopened(doc).paragraphs[0]
    run = paragraph.runs[0]
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert str(run.font.color.rgb) == "FF0000"
    assert run.font.size >= Pt(22)
    assert east_asian_font(run._r.rPr) == "FZXiaoBiaoSong-B05S"
    rule = paragraph._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"
    # One line at that size fits the type width.
    assert 12 * run.font.size.pt <= 156 / MM_PER_PT


@pytest.mark.parametrize("day, text", [(date(2026, 11, 26), "2026年11月26日"), (date(2027, 1, 5), "2027年1月5日")])
def test_chinese_date(day, text):
    assert chinese_date(day) == text


@pytest.mark.parametrize("office", ["柳州市党代表直通车办公室", "秘书处"])
def test_signature_block_puts_the_date_two_characters_right_of_the_office(office):
    doc = new_document()
    add_signature_block(doc, office, date(2026, 11, 26))
    blank, office_paragraph, date_paragraph = reopened(doc).paragraphs
    assert blank.text == ""
    assert (office_paragraph.text, date_paragraph.text) == (office, "2026年11月26日")
    assert office_paragraph.alignment == date_paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT

    def start_in_chars(paragraph, width_in_chars):
        """Distance from the right margin to the paragraph's first character, in characters."""
        return paragraph.paragraph_format.right_indent.pt / 16 + width_in_chars

    date_width = 4 * 0.5 + 3 + 2 * 0.5 + 2 * 0.5  # 2026 年 11 月 26 日: digits are half-width
    office_start = start_in_chars(office_paragraph, len(office))
    date_start = start_in_chars(date_paragraph, date_width)
    assert office_start - date_start == pytest.approx(2)
    assert min(office_paragraph.paragraph_format.right_indent.pt,
               date_paragraph.paragraph_format.right_indent.pt) / 16 == pytest.approx(2)


# --- names --------------------------------------------------------------------------------------

def test_keep_together_joins_the_letters_of_a_name():
    assert keep_together("苏志明") == "苏\u200d志\u200d明"
    assert keep_together("𠀀𠀀") == f"{RARE_HAN}\u200d{RARE_HAN}"


def test_keep_together_leaves_emoji_and_long_names_alone():
    assert keep_together(f"{FLAG}{FLAG}") == f"{FLAG}{FLAG}"
    long_name = "柳州市人民政府国有资产监督管理委员会"
    assert keep_together(long_name) == long_name


def test_body_keeps_the_given_names_together():
    doc = new_document()
    text = "党代表苏志明反映，雒容工业园区管委会拖欠工资；柳州市委、柳州市已批示。"
    add_body(doc, text, names=["苏志明", "雒容工业园区管委会", "柳州市", "柳州市委"])
    paragraph_text = reopened(doc).paragraphs[0].text
    assert "苏\u200d志\u200d明" in paragraph_text
    assert "雒\u200d容\u200d工\u200d业\u200d园\u200d区\u200d管\u200d委\u200d会" in paragraph_text
    assert "柳\u200d州\u200d市\u200d委" in paragraph_text  # the longer name wins where both fit
    assert paragraph_text.replace("\u200d", "") == text


# --- hostile text -------------------------------------------------------------------------------

@pytest.mark.parametrize("char", FORBIDDEN + LONE_SURROGATES, ids=lambda c: f"U+{ord(c):04X}")
def test_clean_text_removes_every_character_xml_forbids(char):
    assert clean_text(f"甲{char}乙") == "甲乙"


def test_clean_text_keeps_tabs_newlines_emoji_and_rare_han():
    kept = f"一\t二\n三\r四{FLAG}五{RARE_HAN}六\x7f"
    assert clean_text(kept) == kept


HOSTILE = "甲" + "".join(FORBIDDEN) + "乙"


@pytest.mark.parametrize("add", [
    lambda doc: add_title(doc, HOSTILE),
    lambda doc: add_heading(doc, HOSTILE, 1),
    lambda doc: add_body(doc, HOSTILE, names=[HOSTILE]),
    lambda doc: add_table(doc, [HOSTILE], [[HOSTILE]]),
    lambda doc: add_ruled_box(doc, HOSTILE, HOSTILE),
    lambda doc: add_letterhead(doc, HOSTILE),
    lambda doc: add_signature_block(doc, HOSTILE, date(2026, 11, 26)),
], ids=["title", "heading", "body", "table", "ruled_box", "letterhead", "signature_block"])
def test_every_helper_cleans_its_text(add):
    doc = new_document()
    add(doc)
    reread = reopened(doc)
    texts = [p.text for p in reread.paragraphs]
    texts += [cell.text for table in reread.tables for row in table.rows for cell in row.cells]
    assert any("甲" in text for text in texts)
    assert not any(char in text for text in texts for char in FORBIDDEN)


def test_a_long_body_full_of_control_characters_survives_intact():
    rng = random.Random(9704)
    content = ["党", "代", "表", "直", "通", "车", "，", "。", "A", "7", FLAG, RARE_HAN, "\t"]
    removed = FORBIDDEN + LONE_SURROGATES
    # Mostly text, one character in five removed, a paragraph every 200 characters or so.
    text = "".join(
        rng.choice(removed) if roll < 0.2 else "\n" if roll > 0.995 else rng.choice(content)
        for roll in (rng.random() for _ in range(20_000))
    )
    assert len(text) == 20_000
    assert {FLAG, RARE_HAN, "\x00", "\ufffe", "\ud800"} <= set(text)

    doc = new_document()
    add_body(doc, text)
    paragraphs = reopened(doc).paragraphs
    expected = re.split(r"\r\n|\r|\n", clean_text(text))
    assert [p.text for p in paragraphs] == expected
    assert sum(map(len, expected)) > 15_000


def test_property_elements_stay_in_schema_order():
    """Word refuses a file whose property children are out of order."""
    doc = new_document()
    add_letterhead(doc, "柳州市党代表直通车办公室")
    add_title(doc, "标题")
    add_heading(doc, "一、基本情况", 1)
    add_body(doc, "正文。", names=["正文"])
    add_table(doc, ["甲"], [["1"]])
    add_ruled_box(doc, "领导批示：")
    reread = reopened(doc)
    parts = [reread.element, reread.styles.element, reread.sections[0].footer._element,
             reread.sections[0].even_page_footer._element]
    orders = {"pPr": gb._PPR_ORDER, "rPr": gb._RPR_ORDER, "trPr": gb._TRPR_ORDER, "tblPr": gb._TBLPR_ORDER}
    for part in parts:
        for name, order in orders.items():
            for element in part.iter(qn(f"w:{name}")):
                children = [order.index(child.prefix + ":" + child.tag.split("}")[1]) for child in element]
                assert children == sorted(children), f"{name}: {[child.tag for child in element]}"
