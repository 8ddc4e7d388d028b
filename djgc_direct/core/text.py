"""Cleaning and checking free text typed by people."""
import re
import unicodedata

from flask_babel import gettext as _

from djgc_direct.core.errors import ValidationError

# C0 controls other than tab and newline, DEL, C1 controls, and the two noncharacters XML forbids.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value, *, field, label, max_length, required=True, multiline=True):
    """Normalise line ends and outer space; refuse control characters and over-long text.

    Control characters are refused rather than silently removed, so that what is stored is
    exactly what the person saw.
    """
    text = unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if _FORBIDDEN.search(text) or _SURROGATE.search(text):
        raise ValidationError(_("“%(label)s”含有不允许的控制字符,请删除后重试。", label=label), field=field)
    if not multiline and "\n" in text:
        raise ValidationError(_("“%(label)s”不能换行。", label=label), field=field)
    if required and not text:
        raise ValidationError(_("请填写“%(label)s”。", label=label), field=field)
    if len(text) > max_length:
        raise ValidationError(_("“%(label)s”不能超过 %(n)d 个字符(现有 %(m)d 个)。",
                                label=label, n=max_length, m=len(text)), field=field)
    return text or None
