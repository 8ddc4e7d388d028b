"""The JSON API under /api/v1 (flask-smorest): bearer tokens, the directory of leaders and units,
and every step of a case, each endpoint a thin call of one service function."""
from djgc_direct.api.base import DESCRIPTION, SETTINGS, DirectLineApi
from djgc_direct.extensions import csrf


def init_api(app):
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    api = DirectLineApi(app, spec_kwargs={"info": {"description": DESCRIPTION},
                                          "security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})


def register_api(app):
    from djgc_direct.api import assessments, assignments, auth, cases, directory, documents, metrics, search

    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    for blueprint in (auth.bp, directory.bp, cases.bp, assignments.bp, assignments.extensions_bp, search.bp,
                      metrics.bp, documents.bp, assessments.bp):
        # Bearer tokens only (accounts.session): no cookie that a cross-site form could ride on.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
