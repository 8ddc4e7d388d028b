"""Attachments: checked by content, stored outside the static folder under random names.

A file is written when it is accepted; if the transaction that records it rolls back, the file
is deleted again, so storage never keeps a file the database does not know.
"""
import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

import filetype
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from djgc_direct.cases.models import Attachment
from djgc_direct.core.clock import now_utc
from djgc_direct.core.errors import ValidationError
from djgc_direct.extensions import db

# What the content must be (sniffed from its bytes), and the MIME type it is served with.
ALLOWED_KINDS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_PENDING_KEY = "djgc_written_files"


def storage_dir():
    path = Path(current_app.config["UPLOAD_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def display_name(raw, extension):
    """A safe name to show: no directories, no control characters, the real extension."""
    name = (raw or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".") or _("附件")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem[:200]}.{extension}"


def read_upload(file_storage):
    """Read an uploaded file within the size limit; returns (bytes, name) or raises ValidationError."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_("附件“%(name)s”超过 %(mb)d MB。", name=display_name(file_storage.filename, "")[:-1],
                                mb=limit // (1024 * 1024)), field="attachments")
    if not data:
        raise ValidationError(_("附件“%(name)s”是空文件。", name=file_storage.filename or ""), field="attachments")
    return data, file_storage.filename


def check_count(existing, new):
    limit = current_app.config["ATTACHMENT_MAX_COUNT"]
    if existing + new > limit:
        raise ValidationError(_("附件最多 %(n)d 个。", n=limit), field="attachments")


def store(case, uploader, data, filename, reply=None):
    """Check the content type, write the file and add its Attachment row (flushes, no commit)."""
    kind = filetype.guess(data)
    if kind is None or kind.extension not in ALLOWED_KINDS:
        raise ValidationError(_("附件“%(name)s”的内容不是 PDF、图片或 Word 文档。", name=display_name(filename, "?")),
                              field="attachments")
    stored_name = secrets.token_hex(16)
    path = storage_dir() / stored_name
    with open(path, "xb") as handle:
        handle.write(data)
    db.session.info.setdefault(_PENDING_KEY, []).append(path)
    attachment = Attachment(
        case=case, reply=reply, uploaded_by_id=uploader.id, stored_name=stored_name,
        display_name=display_name(filename, kind.extension), content_type=ALLOWED_KINDS[kind.extension],
        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), created_at=now_utc())
    db.session.add(attachment)
    db.session.flush()
    return attachment


def path_of(attachment):
    return storage_dir() / attachment.stored_name


# Files written in a transaction that rolls back are deleted again; a commit keeps them.
@sa.event.listens_for(sa.orm.Session, "after_commit")
def _keep_written_files(session):
    session.info.pop(_PENDING_KEY, None)


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _remove_written_files(session):
    for path in session.info.pop(_PENDING_KEY, []):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
