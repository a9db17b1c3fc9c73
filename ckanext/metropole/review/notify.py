"""E-mails of the review, sent as CKAN's mailer sends them (``smtp.*`` options) over a
connection with a timeout (ckanext/metropole/mail.py).

A mail that cannot be sent never undoes a transition: the failure is logged and returned
to the caller, who shows it to the person acting.
"""

from __future__ import annotations

import logging

import ckan.model as model
import ckan.plugins.toolkit as tk

from .. import mail
from . import policy

log = logging.getLogger(__name__)


def _send(users: list[model.User], subject: str, body: str) -> dict:
    sent, errors = 0, []
    for user in users:
        if not user.email:
            continue
        try:
            mail.mail_user(user, subject, body, tk.config.get("ckanext.metropole.review.smtp_timeout"))
            sent += 1
        except Exception as e:  # MailerException, or a mis-set smtp.* option: the transition stands
            log.error("review: mail to %s not sent: %s", user.name, e)
            errors.append(str(e))
    error = (
        (
            tk._("The e-mail notification could not be sent (%(error)s); the change is saved.")
            % {"error": errors[0]}
        )
        if errors
        else None
    )
    return {"sent": sent, "error": error}


def _dataset_url(pkg: dict) -> str:
    return tk.config.get("ckan.site_url").rstrip("/") + f"/dataset/{pkg['name']}"


def reviewers_of(owner_org: str) -> list[model.User]:
    """The reviewers of the métropole of ``owner_org``; the sysadmins when it has none."""
    metropole = policy.metropole_of(owner_org)
    capacities = tk.aslist(tk.config.get("ckanext.metropole.review.reviewer_capacities"))
    users = []
    if metropole is not None:
        users = (
            model.Session.query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .filter(
                model.Member.group_id == metropole.id,
                model.Member.table_name == "user",
                model.Member.state == "active",
                model.Member.capacity.in_(capacities),
                model.User.state == "active",
            )
            .all()
        )
    if not users:
        users = (
            model.Session.query(model.User)
            .filter(
                model.User.sysadmin.is_(True),
                model.User.state == "active",
                model.User.name != tk.config.get("ckan.site_id"),
            )
            .all()
        )
    return users


def submitted(pkg: dict, actor: model.User | None) -> dict:
    org = (pkg.get("organization") or {}).get("title") or ""
    subject = tk._("[Review] %(title)s submitted by %(org)s") % {"title": pkg["title"], "org": org}
    body = tk._(
        '%(who)s (%(org)s) submitted the dataset "%(title)s" for publication.\n\n'
        "%(comment)s"
        "Review it: %(queue)s\nDataset: %(url)s\n"
    ) % {
        "who": actor.display_name if actor else "",
        "org": org,
        "title": pkg["title"],
        "comment": (pkg.get("review_comment") + "\n\n") if pkg.get("review_comment") else "",
        "queue": tk.config.get("ckan.site_url").rstrip("/") + "/moderation",
        "url": _dataset_url(pkg),
    }
    return _send([u for u in reviewers_of(pkg["owner_org"]) if not actor or u.id != actor.id], subject, body)


def decided(pkg: dict, actor: model.User | None) -> dict:
    """To the agent who submitted: accepted (public) or returned with the comment."""
    agent = model.User.get(pkg.get("review_submitted_by") or "") or model.User.get(
        pkg.get("creator_user_id") or ""
    )
    if agent is None:
        return {"sent": 0, "error": None}
    if pkg.get("review_state") == policy.PUBLISHED:
        subject = tk._("[Review] %(title)s is published") % {"title": pkg["title"]}
        body = tk._(
            'The métropole accepted the dataset "%(title)s": it is now public.\n\n%(comment)s%(url)s\n'
        )
    else:
        subject = tk._("[Review] %(title)s: corrections requested") % {"title": pkg["title"]}
        body = tk._(
            'The métropole returned the dataset "%(title)s" for corrections:\n\n%(comment)s'
            "Correct it, then submit it again: %(url)s\n"
        )
    body = body % {
        "title": pkg["title"],
        "url": _dataset_url(pkg),
        "comment": (pkg.get("review_comment") + "\n\n") if pkg.get("review_comment") else "",
    }
    return _send([agent], subject, body)
