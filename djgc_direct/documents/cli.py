"""`flask djgc pack|slip|bulletin|assessment-report …`: the secretariat's documents from the command line.
Each generation is recorded like a download from the web, with no actor."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from djgc_direct.core.cli import command_transaction
from djgc_direct.core.clock import today_shanghai
from djgc_direct.deadlines.cli import ISO_DATE
from djgc_direct.core.errors import ValidationError
from djgc_direct.documents import builders, reports
from djgc_direct.documents.gbt9704 import document_bytes
from djgc_direct.metrics.periods import parse_period

OUTPUT = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                      help="the .docx file to write")


@click.command("pack")
@click.option("--status", type=click.Choice([status.value for status in builders.PACK_STATUSES]),
              help="only cases in this state")
@click.option("--from", "date_from", type=ISO_DATE, help="first submitted on or after this day (YYYY-MM-DD)")
@click.option("--to", "date_to", type=ISO_DATE, help="first submitted on or before this day (YYYY-MM-DD)")
@click.option("--case", "case_ids", type=click.IntRange(min=1), multiple=True, help="only this case id (repeatable)")
@OUTPUT
@with_appcontext
def pack(status, date_from, date_to, case_ids, output):
    """Write the briefing pack (会议材料) of the cases matching every option given."""
    with command_transaction():
        cases = builders.select_cases(status=status, date_from=date_from, date_to=date_to, case_ids=case_ids)
        doc = builders.pack_document(cases, office=current_app.config["DOCUMENT_OFFICE_NAME"], today=today_shanghai())
        _write(doc, output)
        builders.record_generation(builders.BRIEFING_PACK, None, [case.id for case in cases], builders.selection_record(
            status=status, date_from=date_from, date_to=date_to, case_ids=case_ids))
    left_out = sorted(set(case_ids) - {case.id for case in cases})
    if left_out:
        click.echo(f"left out (no such case, a draft, or not matching): {', '.join(map(str, left_out))}", err=True)
    click.echo(f"wrote {len(cases)} case{'s' if len(cases) != 1 else ''} to {output}")


@click.command("slip")
@click.argument("case_id", type=click.IntRange(min=1))
@OUTPUT
@with_appcontext
def slip(case_id, output):
    """Write the review slip (呈阅单) of case CASE_ID."""
    with command_transaction():
        cases = builders.select_cases(case_ids=[case_id])
        if not cases:
            raise click.ClickException(f"no case with id {case_id} (drafts are never printed)")
        doc = builders.slip_document(cases[0], office=current_app.config["DOCUMENT_OFFICE_NAME"])
        _write(doc, output)
        builders.record_generation(builders.REVIEW_SLIP, None, [case_id], {"case_id": case_id})
    click.echo(f"wrote the review slip of {cases[0].number or f'case {case_id}'} to {output}")


PERIOD = click.option("--period", required=True, help="YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year)")


@click.command("bulletin")
@PERIOD
@OUTPUT
@with_appcontext
def bulletin(period, output):
    """Issue the next 工作简报 (第N期 of this year) on PERIOD."""
    period = _period(period)
    with command_transaction():
        issue, doc = reports.issue_bulletin(period, actor=None, office=current_app.config["DOCUMENT_OFFICE_NAME"],
                                            today=today_shanghai())
        _write(doc, output)
    click.echo(f"wrote {issue.year}年第{issue.issue_no}期 ({period.code}) to {output}")


@click.command("assessment-report")
@PERIOD
@OUTPUT
@with_appcontext
def assessment_report(period, output):
    """Write the 考核结果通报 of PERIOD."""
    period = _period(period)
    with command_transaction():
        ranking = reports.report_ranking(period)
        doc = reports.assessment_document(period, ranking, actor=None,
                                          office=current_app.config["DOCUMENT_OFFICE_NAME"], today=today_shanghai())
        _write(doc, output)
    click.echo(f"wrote the assessment report of {period.code} ({len(ranking.rows)} units) to {output}")


def _period(code):
    try:
        return parse_period(code)
    except ValidationError as exc:
        raise click.BadParameter(exc.message, param_hint="--period") from None


def _write(doc, output):
    try:
        output.write_bytes(document_bytes(doc))
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
