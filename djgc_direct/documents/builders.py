"""The documents the secretariat prints: the review slip (呈阅单) of a case, the briefing pack
(会议材料) of a selection of cases, and the supervision notice (督办通知) to an overdue unit.

The builders (second half) are pure: model objects and plain values in, a python-docx Document
out, laid out only with the GB/T 9704 toolkit; they read no configuration, clock or request.
The first half gathers what they need from the database — the selection of cases, the proposed
handling, the figures of a pack, how late an assignment is — and records each generated
document; the web views and the command line share it.
"""
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from docx.oxml.ns import qn
from docx.shared import Emu, Pt, Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from djgc_direct.accounts.models import User
from djgc_direct.audit.models import AuditRecord
from djgc_direct.audit.services import record
from djgc_direct.cases import services
from djgc_direct.cases.models import Annotation, Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.core.errors import Conflict, ValidationError
from djgc_direct.deadlines.calendar import add_workdays, workdays_between
from djgc_direct.documents import gbt9704 as gb
from djgc_direct.documents.gbt9704 import (
    add_body, add_heading, add_letterhead, add_page_break, add_ruled_box, add_signature_block, add_table,
    add_title, chinese_date, clean_text, new_document,
)
from djgc_direct.extensions import db

# Kinds of document, as the audit record names them.
REVIEW_SLIP = "review_slip"
BRIEFING_PACK = "briefing_pack"
SUPERVISION_NOTICE = "supervision_notice"

# Documents are official Chinese papers whatever language the person printing them reads.
DOCUMENT_LOCALE = "zh_Hans_CN"

# The secretariat sees every case but drafts (cases.services.visible_cases_filter); the command
# line prints what the secretariat may print.
PACK_STATUSES = [status for status in CaseStatus if status is not CaseStatus.DRAFT]
PACK_MAX_CASES = 500

# The new time limit a supervision notice sets, in working days.
NOTICE_DEFAULT_DAYS = 5
NOTICE_MIN_DAYS, NOTICE_MAX_DAYS = 1, 30

SUMMARY_MAX_CHARS = 300
# A summary is cut back to its last sentence end only if that keeps at least this share of it.
SUMMARY_MIN_SHARE = 0.5
_SENTENCE_END = "。！？；!?;…"
_CLOSING = "”’」』）)"

# Replies are due while the case waits for its lead unit (assigned, or acknowledged and in hand).
_AWAITING_REPLY = {CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS}
_OPEN_ASSIGNMENT = {AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED}


# ---- gathering (database) -----------------------------------------------------------------------

@dataclass(frozen=True)
class PackFigures:
    case_count: int
    by_status: list  # (CaseStatus, count), in the order of the workflow, only those present
    leaders_addressed: int  # different leaders the representatives wrote to
    overdue_assignments: int  # open assignments of the current round past their deadline
    as_of: date  # the day the overdue count refers to


def select_cases(*, status=None, date_from=None, date_to=None, case_ids=None):
    """The cases matching every given criterion — status, first submission between two days
    (Asia/Shanghai, both included), one of `case_ids` — in number order, with what the documents
    show loaded in a few queries. At most PACK_MAX_CASES."""
    stmt = sa.select(Case).where(Case.status != CaseStatus.DRAFT)
    if status is not None:
        status = next((s for s in PACK_STATUSES if status in (s, s.value)), None)
        if status is None:
            raise ValidationError(_("办理状态无效。"), field="status")
        stmt = stmt.where(Case.status == status)
    if date_from and date_to and date_from > date_to:
        raise ValidationError(_("起始日期不能晚于截止日期。"), field="date_to")
    if date_from:
        stmt = stmt.where(Case.first_submitted_at >= _start_of_day(date_from))
    if date_to:
        stmt = stmt.where(Case.first_submitted_at < _start_of_day(date_to + timedelta(days=1)))
    if case_ids:
        stmt = stmt.where(Case.id.in_(list(case_ids)))
    stmt = stmt.options(
        joinedload(Case.representative).joinedload(User.delegation),
        selectinload(Case.leaders).joinedload(CaseLeader.leader),
        selectinload(Case.annotations).joinedload(Annotation.leader),
        selectinload(Case.assignments).joinedload(Assignment.unit),
    ).order_by(Case.number_year.is_(None), Case.number_year, Case.number_seq, Case.id)
    cases = db.session.scalars(stmt.limit(PACK_MAX_CASES + 1)).unique().all()
    if len(cases) > PACK_MAX_CASES:
        raise ValidationError(_("一份会议材料最多收录 %(n)d 件来信,请缩小范围。", n=PACK_MAX_CASES))
    return cases


def proposed_handling(case_ids):
    """{case id: the secretariat's proposed handling (拟办意见)}: the comment of the latest
    forwarding that carried one. A later forwarding without a comment leaves it standing."""
    rows = db.session.execute(
        sa.select(AuditRecord.object_id, AuditRecord.comment).where(
            AuditRecord.object_type == Case.__tablename__, AuditRecord.action == "forward",
            AuditRecord.object_id.in_(list(case_ids)), AuditRecord.comment.is_not(None))
        .order_by(AuditRecord.id))
    return {case_id: comment for case_id, comment in rows}


def workdays_overdue(assignment, today):
    """Working days `assignment` is past its deadline on `today`; 0 unless it is open (the
    current round, its case still waiting for the reply) and late."""
    case = assignment.case
    if (case.status not in _AWAITING_REPLY or assignment.status not in _OPEN_ASSIGNMENT
            or assignment not in services.current_assignments(case) or today <= assignment.due_date):
        return 0
    return workdays_between(assignment.due_date, today)


def pack_figures(cases, today):
    counts = Counter(case.status for case in cases)
    return PackFigures(
        case_count=len(cases),
        by_status=[(status, counts[status]) for status in CaseStatus if counts[status]],
        leaders_addressed=len({link.leader_id for case in cases for link in case.leaders if link.addressed}),
        overdue_assignments=sum(1 for case in cases for assignment in services.current_assignments(case)
                                if workdays_overdue(assignment, today) > 0),
        as_of=today,
    )


def slip_document(case, *, office):
    """The review slip of `case`, with its proposed handling."""
    return review_slip(case, office=office, proposed=proposed_handling([case.id]).get(case.id))


def pack_document(cases, *, office, today):
    """The briefing pack of `cases`, its figures as of `today`."""
    if not cases:
        raise ValidationError(_("没有符合条件的来信。"))
    return briefing_pack(cases, office=office, day=today, figures=pack_figures(cases, today),
                         proposed=proposed_handling([case.id for case in cases]))


def parse_new_limit(value):
    """The new time limit of a supervision notice, in working days, from `value` (a number or
    its text; None for the default)."""
    if value is None:
        return NOTICE_DEFAULT_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = None
    if days is None or not NOTICE_MIN_DAYS <= days <= NOTICE_MAX_DAYS:
        raise ValidationError(_("新的办理时限须为 %(a)d 至 %(b)d 个工作日。", a=NOTICE_MIN_DAYS, b=NOTICE_MAX_DAYS),
                              field="days")
    return days


def notice_document(assignment, *, office, today, new_limit_days=NOTICE_DEFAULT_DAYS):
    """The supervision notice of an overdue `assignment`, giving the unit `new_limit_days`
    working days from `today`."""
    new_limit_days = parse_new_limit(new_limit_days)
    overdue = workdays_overdue(assignment, today)
    if not overdue:
        raise Conflict(_("该交办事项没有逾期未办,不需要督办。"))
    return supervision_notice(assignment, office=office, day=today, overdue_days=overdue,
                              new_limit_days=new_limit_days, new_due_date=add_workdays(today, new_limit_days))


def record_generation(kind, actor, case_ids, selection):
    """One audit record per generated document (no table of its own: the record is the trace)."""
    entry = record("document_generated", actor=actor, object_type="documents", object_id=None,
                   after={"kind": kind, "case_ids": list(case_ids), "selection": selection})
    db.session.flush()
    return entry


def selection_record(*, status=None, date_from=None, date_to=None, case_ids=()):
    """How a pack's cases were chosen, for its audit record."""
    return {"status": status, "from": date_from and date_from.isoformat(), "to": date_to and date_to.isoformat(),
            "case_ids": list(case_ids)}


def _start_of_day(day):
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(timezone.utc)


# ---- building (pure) ----------------------------------------------------------------------------

SLIP_TITLE = "党代表来信呈阅单"
PACK_TITLE = "党代表直通车来信\n会议材料"
NOTICE_TITLE = "督办通知"

# The slip is a form. GB/T 9704 §5.2.2 sets every element in 3号 "unless stated otherwise" and
# allows adjusting it in particular cases: at 3号, letterhead, title, the facts and an annotation
# box leave room for some 60 characters of the letter. So the slip's cells (and the pack's list
# of cases) are set in 小四 on 18 pt lines, which fits a 300-character summary, the proposed
# handling and two annotations on one page.
SIZE_XIAOSI = 12  # 小四
FORM_LINE_PITCH = Twips(18 * gb.TWIPS_PER_POINT)
# Label, value, label, value: a label column holds four characters.
FORM_WIDTHS_MM = [24, 54, 24, gb.LAYOUT.type_width_mm - 102]
# Number, case number, title, representative, status.
CONTENTS_WIDTHS_MM = [13, 48, gb.LAYOUT.type_width_mm - 112, 21, 30]
# In 3号 lines: about 5 cm for a handwritten annotation.
ANNOTATION_BOX_LINES = 5


def summarize(text, limit=SUMMARY_MAX_CHARS):
    """The opening of a letter for the slip: its lines run together, at most `limit` characters,
    cut back to a sentence end where that keeps most of it, and "……" when anything was cut."""
    text = _run_lines_together(clean_text(text))
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = max(head.rfind(mark) for mark in _SENTENCE_END) + 1
    while 0 < end < limit and head[end] in _CLOSING:
        end += 1  # keep the closing quote of a quoted sentence
    if end >= limit * SUMMARY_MIN_SHARE:
        head = head[:end]
    return head.rstrip("…") + "……"


def review_slip(case, *, office, proposed=None):
    """The one-page 呈阅单 of `case`; `proposed` is the secretariat's proposed handling."""
    doc = new_document()
    with force_locale(DOCUMENT_LOCALE):
        _add_slip(doc, case, office, proposed)
    return doc


def briefing_pack(cases, *, office, day, figures, proposed):
    """会议材料: a cover, the list of cases, the figures, then each case's slip on its own page.
    `proposed` maps case ids to their proposed handling."""
    doc = new_document()
    with force_locale(DOCUMENT_LOCALE):
        add_letterhead(doc, office)
        add_title(doc, PACK_TITLE)
        add_body(doc, f"本材料收录党代表直通车来信{figures.case_count}件，附每件来信的呈阅单。")
        add_signature_block(doc, office, day)
        add_page_break(doc)

        add_heading(doc, "一、来信目录", 1)
        _set_as_form(add_table(doc, ["序号", "编号", "标题", "党代表", "办理状态"], [
            [str(index), case.number or "未登记", case.title, case.representative.name, str(case.status.label)]
            for index, case in enumerate(cases, start=1)
        ], widths_mm=CONTENTS_WIDTHS_MM))
        add_heading(doc, "二、数据概览", 1)
        add_body(doc, _figures_text(figures))

        for case in cases:
            add_page_break(doc)
            _add_slip(doc, case, office, proposed.get(case.id))
    return doc


def supervision_notice(assignment, *, office, day, overdue_days, new_limit_days, new_due_date):
    """督办通知 to the unit of an overdue `assignment`: the case, its deadlines, how many working
    days it is late, the leaders' annotations and a new time limit."""
    case = assignment.case
    unit = assignment.unit.name
    representative = case.representative
    names = [unit, representative.name] + [annotation.leader.name for annotation in case.annotations]
    doc = new_document()
    with force_locale(DOCUMENT_LOCALE):
        add_letterhead(doc, office)
        add_title(doc, NOTICE_TITLE)
        _flush_left(add_body(doc, f"{unit}：", names=names)[0])  # 主送机关 starts at the margin (§7.3.2)

        if assignment.original_due_date == assignment.due_date:
            deadline = f"办理期限为{chinese_date(assignment.due_date)}"
        else:
            deadline = (f"原定办理期限为{chinese_date(assignment.original_due_date)}，"
                        f"经批准延期至{chinese_date(assignment.due_date)}")
        role = "主办" if assignment.is_lead else "协办"
        add_body(doc, (
            f"党代表{representative.name}（{_delegation(representative)}）通过党代表直通车反映的"
            f"“{case.title}”（{case.number}），"
            f"已于{chinese_date(_local_day(assignment.assigned_at))}交由你单位{role}办理，{deadline}。"
            f"截至{chinese_date(day)}，该件已逾期{overdue_days}个工作日，尚未答复办理结果。"
        ), names=names)
        if case.annotations:
            add_body(doc, "市委领导批示如下：", names=names)
            for annotation in case.annotations:
                add_body(doc, (f"{_leader(annotation.leader)}{chinese_date(_local_day(annotation.created_at))}批示："
                               f"“{annotation.text}”"), names=names)
        add_body(doc, (
            f"请你单位高度重视，于{new_limit_days}个工作日内（{chinese_date(new_due_date)}前）办结，"
            f"并将办理结果答复党代表直通车办公室。确有困难不能按期办结的，请于期限内书面说明情况。"
        ), names=names)
        add_body(doc, "特此通知。")
        add_signature_block(doc, office, day)
    return doc


def _add_slip(doc, case, office, proposed):
    representative = case.representative
    received = case.first_submitted_at
    add_letterhead(doc, office)
    add_title(doc, SLIP_TITLE)
    header = ["编号", case.number or "未登记", "收信日期", chinese_date(_local_day(received)) if received else ""]
    wide = [
        ("致信领导", "、".join(_leader(link.leader) for link in _addressed(case))),
        ("来信标题", case.title),
        ("内容摘要", summarize(case.content)),
        ("拟办意见", proposed or ""),
    ]
    rows = [
        ["来信代表", representative.name, "代表团", _delegation(representative)],
        ["类别", str(case.category.label), "反映方式", str(case.on_behalf_of.label)],
        *[[label, value, "", ""] for label, value in wide],
    ]
    table = add_table(doc, header, rows, widths_mm=FORM_WIDTHS_MM)
    for tr in table._tbl.tr_lst[-len(wide):]:
        _span_to_the_end(tr)
    _set_as_form(table)
    # The toolkit sets the first row in 黑体, centred, as column headings; on a form the labels
    # are the headings and the values are body text.
    for tr in table._tbl.tr_lst:
        for index, tc in enumerate(tr.tc_lst):
            is_label = index % 2 == 0
            for p in tc.iter(qn("w:p")):
                if not is_label:
                    Paragraph(p, None).alignment = None
                for r in p.iter(qn("w:r")):
                    # The toolkit's one way to set a face, w:eastAsia included.
                    gb._set_fonts(r.get_or_add_rPr(), gb.HEITI if is_label else gb.FANGSONG)

    annotations = "\n".join(_annotation_lines(case)) or None
    box = add_ruled_box(doc, "领导批示：", annotations, height_lines=ANNOTATION_BOX_LINES)
    _set_as_form(box)
    # The empty paragraph the toolkit puts between two tables, one form line high.
    Paragraph(box._tbl.getprevious(), None).paragraph_format.line_spacing = FORM_LINE_PITCH


def _span_to_the_end(tr):
    """Let the row's second cell run over the cells to its right (gridSpan), which hold nothing.
    By hand: python-docx's cell merge, which works out any rectangle, costs more than the rest of
    the slip, and a pack holds hundreds of slips."""
    label, value, *spanned = tr.tc_lst
    value.width = Emu(sum(tc.width for tc in (value, *spanned)))
    value.grid_span = 1 + len(spanned)
    for tc in spanned:
        tr.remove(tc)


def _set_as_form(table):
    """Every paragraph of `table` in 小四 on form lines."""
    for p in table._tbl.iter(qn("w:p")):
        Paragraph(p, None).paragraph_format.line_spacing = FORM_LINE_PITCH
        for r in p.iter(qn("w:r")):
            Run(r, None).font.size = Pt(SIZE_XIAOSI)


def _annotation_lines(case):
    for annotation in case.annotations:
        marks = "".join(mark for mark, applies in (
            ("（内部）", annotation.internal), ("（秘书处代录）", annotation.transcribed_by_id is not None),
        ) if applies)
        yield annotation.text
        yield f"——{_leader(annotation.leader)}，{chinese_date(_local_day(annotation.created_at))}{marks}"


def _figures_text(figures):
    statuses = "、".join(f"{status.label}{count}件" for status, count in figures.by_status)
    return (f"本材料共收录来信{figures.case_count}件，其中{statuses}。"
            f"来信涉及致信市委领导{figures.leaders_addressed}位。"
            f"截至{chinese_date(figures.as_of)}，逾期未答复的交办事项{figures.overdue_assignments}项。")


def _addressed(case):
    links = [link for link in case.leaders if link.addressed]
    return sorted(links, key=lambda link: (link.leader.precedence or 999, link.leader_id))


def _leader(user):
    return f"{user.name}（{user.title}）" if user.title else user.name


def _delegation(representative):
    return representative.delegation.name if representative.delegation else "—"


def _local_day(moment):
    return moment.astimezone(SHANGHAI).date()


def _flush_left(paragraph):
    paragraph.paragraph_format.first_line_indent = None
    paragraph._p.get_or_add_pPr().get_or_add_ind().attrib.pop(qn("w:firstLineChars"), None)


_LINE_BREAKS = re.compile(r"[ \t]*\n\s*")


def _run_lines_together(text):
    """One paragraph from many: Chinese lines join directly, other lines with a space."""
    def join(match):
        before, after = match.string[match.start() - 1:match.start()], match.string[match.end():match.end() + 1]
        return "" if _wide(before) or _wide(after) else " "
    return _LINE_BREAKS.sub(join, text.strip())


def _wide(char):
    return bool(char) and unicodedata.east_asian_width(char) in "WF"
