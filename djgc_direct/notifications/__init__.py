"""Notifications: an in-app inbox for every user, and e-mail sent through an outbox table.

A notification and its outbox row are written in the caller's transaction, so a mail leaves
only after the change it reports has been committed; `outbox.deliver_outbox` sends it later.
"""


def register(app):
    """Install the inbox pages and the unread count shown in every page's header."""
    from djgc_direct.notifications.views import bp, inject_unread_count

    app.register_blueprint(bp)
    app.context_processor(inject_unread_count)
