"""The dashboard's per-server form token: state-changing form posts under /_sim must carry it.

A JSON body cannot be sent cross-site without a CORS preflight, but an HTML form can; so a form post
(``application/x-www-form-urlencoded`` or ``multipart/form-data``) to /_sim is accepted only when its
``_token`` field equals this server's token, which only pages served by this server know.
"""

from __future__ import annotations

import hmac
import secrets

from flask import current_app, request

FIELD = "_token"
_KEY = "leadsim.form_token"


def form_token() -> str:
    """This server's token (one per app, made on first use; never stored, so a restart changes it)."""
    ext = current_app.extensions
    token = ext.get(_KEY)
    if token is None:
        token = ext.setdefault(_KEY, secrets.token_urlsafe(32))
    return token


def form_token_ok() -> bool:
    """True when the current request is a form post carrying this server's token."""
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return False
    sent = request.form.get(FIELD, "")
    return bool(sent) and hmac.compare_digest(sent.encode(), form_token().encode())
