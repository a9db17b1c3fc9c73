"""A plain-text mail to a CKAN user, sent as CKAN's mailer sends it (its ``smtp.*`` options,
its headers), over an SMTP connection that has a timeout of its own.

Why not ``ckan.lib.mailer.mail_user``: it opens ``smtplib.SMTP(host, port)`` without a timeout,
so a server that accepts the connection and never answers (or a firewall dropping it) holds the
request for ever. Setting ``socket.setdefaulttimeout`` around it would change the sockets every
other thread of the process opens meanwhile (database, Solr, Redis); the timeout belongs to
this one connection.

Shared by the capabilities that mail people (the review, the harvest's job reports): each passes
the timeout of its own declared option, so none depends on another's configuration.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from email import utils
from email.message import EmailMessage
from urllib.parse import urlparse

import ckan
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.mailer import MailerException


def message(user: model.User, subject: str, body: str) -> EmailMessage:
    config = tk.config
    msg = EmailMessage()
    msg.set_content(body, cte="base64")
    msg["Subject"] = subject
    msg["From"] = utils.formataddr((config.get("ckan.site_title"), config.get("smtp.mail_from")))
    msg["To"] = utils.formataddr((user.display_name, user.email))
    msg["Date"] = utils.formatdate(time.time())
    if not config.get("ckan.hide_version"):
        msg["X-Mailer"] = f"CKAN {ckan.__version__}"
    if config.get("smtp.reply_to"):
        msg["Reply-to"] = config.get("smtp.reply_to")
    return msg


def _tls_context() -> ssl.SSLContext | None:
    if not tk.config.get("smtp.starttls_verify"):
        return None
    bundle = tk.config.get("smtp.starttls_ca_bundle")
    if not bundle:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(
            **({"capath": bundle} if os.path.isdir(bundle) else {"cafile": bundle})
        )
    except OSError as e:
        raise MailerException(
            f"SMTP CA bundle path (smtp.starttls_ca_bundle) can not be used: {bundle} ({e})"
        ) from e


def mail_user(user: model.User, subject: str, body: str, timeout: float) -> None:
    """Send, or raise MailerException (as CKAN's mailer does) on any failure, a timeout included
    (``timeout``: seconds allowed to each operation on the connection)."""
    config = tk.config
    server = config.get("smtp.server") or ""
    parsed = urlparse(server if "://" in server else f"smtp://{server}")
    if not parsed.hostname:
        raise MailerException("SMTP server hostname is not configured")
    try:
        with smtplib.SMTP(parsed.hostname, parsed.port or 0, timeout=timeout) as connection:
            connection.ehlo()
            if config.get("smtp.starttls"):
                if not connection.has_extn("STARTTLS"):
                    raise MailerException("SMTP server does not support STARTTLS")
                connection.starttls(context=_tls_context())
                connection.ehlo()
            if config.get("smtp.user"):
                connection.login(config.get("smtp.user"), config.get("smtp.password"))
            connection.sendmail(
                config.get("smtp.mail_from"), [user.email], message(user, subject, body).as_string()
            )
    except (OSError, smtplib.SMTPException) as e:  # refused, timed out, or the server said no
        raise MailerException(f'SMTP server "{server}": {e!r}') from e
