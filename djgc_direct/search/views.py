"""The search page (检索): a thin view over search.services.search_cases."""
from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.cases.models import CaseStatus, Category
from djgc_direct.core.access import roles_required
from djgc_direct.core.errors import ValidationError
from djgc_direct.search.forms import SearchForm
from djgc_direct.search.services import SNIPPET_SOURCES, filter_choices, search_cases

bp = Blueprint("search", __name__)

PER_PAGE = 20
OVERDUE = {"yes": True, "no": False}


def _form():
    form = SearchForm(request.args)
    everything = [("", _("全部"))]
    form.status.choices = everything + CaseStatus.choices()
    form.category.choices = everything + Category.choices()
    if current_user.role is Role.REPRESENTATIVE:  # their own letters: the other filters say nothing
        for name in ("leader_id", "unit_id", "delegation_id", "overdue"):
            delattr(form, name)
    else:
        for name, choices in filter_choices().items():
            form[name].choices = everything + choices
    return form


@bp.route("/search")
@roles_required(Role.REPRESENTATIVE, Role.SECRETARIAT, Role.LEADER, Role.UNIT_STAFF)
def index():
    form = _form()
    results = None
    if form.validate():
        values = {name: form[name].data for name in ("leader_id", "unit_id", "delegation_id") if name in form}
        try:
            results = search_cases(
                current_user, form.q.data, status=form.status.data or None, category=form.category.data or None,
                date_from=form.date_from.data, date_to=form.date_to.data,
                overdue=OVERDUE.get(form.overdue.data) if "overdue" in form else None, sort=form.sort.data or None,
                page=request.args.get("page", 1, type=int), per_page=PER_PAGE, **values)
        except ValidationError as exc:
            form.q.errors = [*form.q.errors, exc.message]
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    # Each source's name translated once, not once a hit.
    sources = {source: str(label) for source, label in SNIPPET_SOURCES.items()} if results else {}
    return render_template("search/index.html", form=form, results=results, args=args, sources=sources)
