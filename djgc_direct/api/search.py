"""Search and similar letters: thin calls of djgc_direct.search, scoped like the case pages."""
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.api.schemas import SearchPageSchema, SearchQuerySchema, SimilarListSchema
from djgc_direct.cases import services
from djgc_direct.core.errors import PermissionDenied
from djgc_direct.search.services import search_cases
from djgc_direct.search.similar import similar_cases

bp = ApiBlueprint("api_search", __name__, url_prefix=API_PREFIX,
                  description="Search over the cases the caller may see, and similar letters (secretariat).")


class _Shown:
    """A case (or a row of its columns) with extra fields for a response schema; everything else
    is the case's own."""

    def __init__(self, case, **extra):
        self.case = case
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self.case, name)


@bp.route("/search")
@bp.arguments(SearchQuerySchema, location="query")
@bp.response(200, SearchPageSchema)
@bp.refusals()
def search(query):
    """Search by words and filters, with highlighted snippets"""
    results = search_cases(current_user, query.pop("q"), **query)
    page = results.pagination
    items = [_Shown(hit.case, title_html=str(hit.title),
                    snippet=hit.snippet and {"source": hit.snippet.source, "html": str(hit.snippet.html)},
                    representative={"id": hit.case.representative_id, "name": hit.case.representative_name})
             for hit in results.hits]
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "more": results.more}


@bp.route("/cases/<int:case_id>/similar")
@bp.response(200, SimilarListSchema)
@bp.refusals(403, 404)
def similar(case_id):
    """Earlier cases about the same matter, best first (secretariat)"""
    case = services.get_case(current_user, case_id)
    if current_user.role is not Role.SECRETARIAT:
        raise PermissionDenied(_("只有秘书处可以查看相似来信。"))
    return {"items": [_Shown(s.case, score=s.score, names=list(s.names))
                      for s in similar_cases(case, current_user)]}
