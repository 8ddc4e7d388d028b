"""Request and response schemas of the JSON API (they also make its OpenAPI document).

Schemas check the shape and types of a request; the services check its meaning (lengths,
control characters, which leaders and units exist, dates in the future), so the rules live in
one place for the web forms and the API alike.
"""
import marshmallow as ma
from marshmallow import fields, validate

from djgc_direct.cases.models import (
    AssignmentStatus, CaseStatus, Category, CloseReason, ExtensionStatus, OnBehalfOf, Outcome, Rating, ReplyStatus,
)
from djgc_direct.search.services import MAX_RESULTS, SORTS

def _ids(**kwargs):
    return fields.List(fields.Integer(strict=True), **kwargs)


def _enum(enum_cls, **kwargs):
    return fields.Enum(enum_cls, by_value=True, **kwargs)


# ---- requests ---------------------------------------------------------------------------------

class TokenRequestSchema(ma.Schema):
    username = fields.String(required=True)
    password = fields.String(required=True)
    name = fields.String(metadata={"description": "a label for the token, e.g. the program that uses it"})


class NewLetterSchema(ma.Schema):
    title = fields.String(required=True)
    content = fields.String(required=True)
    leader_ids = _ids(required=True, metadata={"description": "the municipal leaders written to (GET /leaders)"})
    category = _enum(Category, load_default=Category.OTHER)
    on_behalf_of = _enum(OnBehalfOf, load_default=OnBehalfOf.SELF)
    submit = fields.Boolean(load_default=False, metadata={"description": "submit at once instead of saving a draft"})


class CaseQuerySchema(ma.Schema):
    status = _enum(CaseStatus)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ReasonSchema(ma.Schema):
    reason = fields.String(required=True)


class CommentSchema(ma.Schema):
    comment = fields.String()


class ForwardSchema(ma.Schema):
    leader_ids = _ids(required=True)
    comment = fields.String(metadata={"description": "拟办意见, not shown to the representative"})


class AnnotationRequestSchema(ma.Schema):
    text = fields.String(required=True)
    internal = fields.Boolean(load_default=False, metadata={"description": "hidden from the representative"})
    leader_id = fields.Integer(strict=True, allow_none=True, metadata={
        "description": "secretariat transcribing a paper annotation: the leader who wrote it"})
    unit_ids = _ids(metadata={"description": "assign the case to these units at the same time"})
    lead_unit_id = fields.Integer(strict=True, allow_none=True)
    due_date = fields.Date(allow_none=True)


class DelegateSchema(ma.Schema):
    to_leader_id = fields.Integer(strict=True, required=True)
    comment = fields.String()


class AssignSchema(ma.Schema):
    unit_ids = _ids(required=True)
    lead_unit_id = fields.Integer(strict=True, required=True)
    due_date = fields.Date(allow_none=True, metadata={"description": "default: 15 working days from today"})


class ProgressRequestSchema(ma.Schema):
    text = fields.String(required=True)


class ExtensionRequestSchema(ma.Schema):
    due_date = fields.Date(required=True)
    reason = fields.String(required=True)


class ReplyRequestSchema(ma.Schema):
    text = fields.String(required=True)
    outcome = _enum(Outcome, required=True)
    amount_yuan = fields.Decimal(allow_none=True, metadata={
        "description": "money reported, in yuan: a decimal string such as \"1730000.00\" (or a number)"})


class NoteSchema(ma.Schema):
    note = fields.String()


class RequiredNoteSchema(ma.Schema):
    note = fields.String(required=True)


class FeedbackRequestSchema(ma.Schema):
    rating = _enum(Rating, required=True)
    comment = fields.String(metadata={"description": "required when dissatisfied"})


class MergeSchema(ma.Schema):
    into_case_id = fields.Integer(strict=True, required=True)


class LinkSchema(ma.Schema):
    linked_case_id = fields.Integer(strict=True, required=True)


# ---- responses --------------------------------------------------------------------------------

class TokenSchema(ma.Schema):
    token = fields.String(metadata={"description": "shown only now; send it as `Authorization: Bearer <token>`"})
    name = fields.String()
    expires_at = fields.DateTime()


class PersonSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()


class LeaderSchema(PersonSchema):
    title = fields.String()
    precedence = fields.Integer(allow_none=True)


class UnitSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String()


class CaseLeaderSchema(ma.Schema):
    id = fields.Integer(attribute="leader_id")
    name = fields.String(attribute="leader.name")
    title = fields.String(attribute="leader.title")
    addressed = fields.Boolean(metadata={"description": "named by the representative in the letter"})
    forwarded_at = fields.DateTime(allow_none=True)
    delegated_by = fields.Nested(PersonSchema, allow_none=True)


class AnnotationSchema(ma.Schema):
    id = fields.Integer()
    leader = fields.Nested(LeaderSchema)
    text = fields.String()
    internal = fields.Boolean()
    transcribed_by = fields.Nested(PersonSchema, allow_none=True, metadata={
        "description": "the secretariat member who entered a paper annotation"})
    created_at = fields.DateTime()


class ProgressSchema(ma.Schema):
    id = fields.Integer()
    author = fields.Nested(PersonSchema)
    text = fields.String()
    created_at = fields.DateTime()


class ExtensionSchema(ma.Schema):
    id = fields.Integer()
    previous_due_date = fields.Date()
    requested_due_date = fields.Date()
    reason = fields.String()
    status = _enum(ExtensionStatus)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class AssignmentSchema(ma.Schema):
    id = fields.Integer()
    unit = fields.Nested(UnitSchema)
    lead = fields.Boolean(attribute="is_lead", metadata={"description": "主办 (true) or 协办 (false)"})
    round = fields.Integer(metadata={"description": "1, and one more after each reopening"})
    status = _enum(AssignmentStatus)
    assigned_at = fields.DateTime()
    due_date = fields.Date()
    original_due_date = fields.Date()
    acknowledged_at = fields.DateTime(allow_none=True)
    replied_at = fields.DateTime(allow_none=True)
    progress = fields.List(fields.Nested(ProgressSchema), metadata={"description": "not shown to representatives"})
    extension_requests = fields.List(fields.Nested(ExtensionSchema), metadata={
        "description": "not shown to representatives"})


class ReplySchema(ma.Schema):
    id = fields.Integer()
    text = fields.String()
    outcome = _enum(Outcome)
    amount_yuan = fields.Decimal(places=2, as_string=True, allow_none=True)
    status = _enum(ReplyStatus)
    created_at = fields.DateTime()
    reviewed_at = fields.DateTime(allow_none=True)
    review_note = fields.String(allow_none=True)


class FeedbackSchema(ma.Schema):
    rating = _enum(Rating)
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()


class TimelineEntrySchema(ma.Schema):
    at = fields.DateTime()
    action = fields.String(metadata={"description": "create, submit, register, forward, annotate …"})
    label = fields.String(metadata={"description": "the action's name for people, in the request's language"})
    actor = fields.String(allow_none=True, metadata={"description": "who acted (name); null for the system"})
    actor_role = fields.String(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    comment = fields.String(allow_none=True, metadata={
        "description": "representatives see the reasons given to them and their own comments, not the "
                       "units' and the office's working notes"})


class CaseSummarySchema(ma.Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True, metadata={"description": "e.g. 直通〔2026〕0001号, once registered"})
    title = fields.String()
    status = _enum(CaseStatus)
    category = _enum(Category)
    representative = fields.Nested(PersonSchema)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class CaseSchema(CaseSummarySchema):
    content = fields.String()
    on_behalf_of = _enum(OnBehalfOf)
    status_reason = fields.String(allow_none=True, metadata={
        "description": "the reason given with the latest return, rejection or reopening"})
    registered_at = fields.DateTime(allow_none=True)
    forwarded_at = fields.DateTime(allow_none=True)
    annotated_at = fields.DateTime(allow_none=True)
    assigned_at = fields.DateTime(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    close_reason = _enum(CloseReason, allow_none=True)
    reopen_count = fields.Integer()
    merged_into_id = fields.Integer(allow_none=True)
    linked_case_ids = fields.List(fields.Integer(), metadata={
        "description": "cases linked to this one (关联) that the caller may see"})
    leaders = fields.List(fields.Nested(CaseLeaderSchema))
    annotations = fields.List(fields.Nested(AnnotationSchema), metadata={
        "description": "internal annotations are not shown to representatives"})
    assignments = fields.List(fields.Nested(AssignmentSchema), metadata={
        "description": "unit staff see only their own unit's"})
    reply = fields.Nested(ReplySchema, allow_none=True, metadata={
        "description": "the latest reply; representatives see only an approved one"})
    feedback = fields.List(fields.Nested(FeedbackSchema))
    timeline = fields.List(fields.Nested(TimelineEntrySchema))


class CasePageSchema(ma.Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


# ---- search -----------------------------------------------------------------------------------

class SearchQuerySchema(ma.Schema):
    q = fields.String(load_default="", metadata={
        "description": "words separated by spaces, each found as literal text (all must occur); "
                       "only the first 100 characters count; empty: filters only"})
    status = _enum(CaseStatus)
    category = _enum(Category)
    leader_id = fields.Integer(metadata={"description": "cases written or forwarded to this leader"})
    unit_id = fields.Integer(metadata={"description": "cases assigned to this unit"})
    delegation_id = fields.Integer(metadata={"description": "letters from this delegation's representatives"})
    date_from = fields.Date(metadata={"description": "first submitted on or after this day (Asia/Shanghai)"})
    date_to = fields.Date(metadata={"description": "first submitted on or before this day (Asia/Shanghai)"})
    overdue = fields.Boolean(metadata={"description": "with (true) or without (false) an open overdue deadline"})
    sort = fields.String(validate=validate.OneOf(SORTS), metadata={
        "description": "relevance (default with words: title hits first), newest (default without), oldest"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SnippetSchema(ma.Schema):
    source = fields.String(metadata={"description": "content, annotation, reply or merged_letter"})
    html = fields.String(metadata={"description": "safe HTML: the words in <mark>, everything else escaped"})


class SearchHitSchema(CaseSummarySchema):
    title_html = fields.String(metadata={"description": "the title as safe HTML, the words in <mark>"})
    snippet = fields.Nested(SnippetSchema, allow_none=True, metadata={
        "description": "where the words first occur in text the caller may read; null without words"})


class SearchPageSchema(CasePageSchema):
    items = fields.List(fields.Nested(SearchHitSchema))
    more = fields.Boolean(metadata={"description": f"more cases match than a search returns ({MAX_RESULTS}): "
                                                   f"total counts the first {MAX_RESULTS}; narrow the query"})


class SimilarCaseSchema(CaseSummarySchema):
    score = fields.Float(metadata={"description": "0 to 1; names in common and overlapping content"})
    names = fields.List(fields.String(), metadata={"description": "places and organisations both letters name"})


class SimilarListSchema(ma.Schema):
    items = fields.List(fields.Nested(SimilarCaseSchema))


# ---- metrics ----------------------------------------------------------------------------------

class MetricsQuerySchema(ma.Schema):
    period = fields.String(metadata={"description": "YYYY-MM, YYYY-Qn or YYYY (default: this month)"})
    from_ = fields.Date(data_key="from", metadata={"description": "first day of a custom range (with `to`)"})
    to = fields.Date(metadata={"description": "last day of a custom range"})
    group = fields.String(load_default="unit", validate=validate.OneOf(["unit", "level", "leader", "delegation"]))


class MetricsPeriodSchema(ma.Schema):
    code = fields.String(allow_none=True)
    label = fields.String()
    start = fields.Date()
    end = fields.Date()


class RateSchema(ma.Schema):
    value = fields.Float(allow_none=True, metadata={
        "description": "percent (or, for mean_* rates, working days) to one decimal; null: no cases behind it"})
    numerator = fields.Integer()
    denominator = fields.Integer()
    flagged = fields.Boolean(metadata={"description": "fewer cases than METRICS_MIN_CASES: shown, not ranked"})


class MetricsRowSchema(ma.Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String()
    level = fields.String(allow_none=True, metadata={"description": "units and organisations: city, county …"})
    parent_id = fields.Integer(allow_none=True)
    rank = fields.Integer(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "the counts the rates are built from; money is a decimal string in yuan"})
    rates = fields.Dict(keys=fields.String(), values=fields.Nested(RateSchema))


class MetricsSchema(ma.Schema):
    period = fields.Nested(MetricsPeriodSchema)
    group = fields.String()
    min_cases = fields.Integer()
    rows = fields.List(fields.Nested(MetricsRowSchema))


class AssessmentQuerySchema(ma.Schema):
    rubric = fields.String(metadata={"description": "rubric name (default: ASSESSMENT_RUBRIC, djgc_direct)"})


class AssessmentResultSchema(ma.Schema):
    unit_id = fields.Integer()
    unit_name = fields.String()
    score = fields.Decimal(as_string=True, allow_none=True, metadata={
        "description": "out of the rubric's total, one decimal; null: nothing could be scored"})
    rank = fields.Integer(allow_none=True, metadata={"description": "null: not ranked (too little could be scored)"})
    stars = fields.Integer(allow_none=True, metadata={"description": "star level 0–5 after this month"})
    previous_stars = fields.Integer(allow_none=True)
    flagged = fields.Boolean(metadata={"description": "an indicator was skipped for resting on too few cases"})
    indicators = fields.List(fields.Dict(), metadata={
        "description": "[{key, points, out_of, status, value}]; status scored, flagged, no_data or unscored"})


class AssessmentSchema(ma.Schema):
    period = fields.String()
    rubric = fields.Dict(metadata={"description": "{name, version, title, total}"})
    run_number = fields.Integer()
    trigger = fields.String(metadata={"description": "scheduled or manual"})
    created_at = fields.DateTime()
    results = fields.List(fields.Nested(AssessmentResultSchema))
    rollup = fields.List(fields.Dict(), metadata={
        "description": "[{id, name, level, parent_id, score, units}]: mean score of the ranked units under each "
                       "organisation; empty for unit staff"})
