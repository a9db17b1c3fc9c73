"""Mail to the commune's and the métropole's organisation admins when a harvest job ends with
errors or withdraws datasets, in the portal's language, with a link to the job's page.

ckanext-harvest's status mails (ckan.harvest.status_mail.errored / .all) do not fit: their
subject is English outside any catalogue, a job that only withdraws datasets is mailed only
with ``.all`` (every job, every time), and they go to every sysadmin. Keep them off; this is
sent by the same `ckan harvester run` that ends the job (logic/jobs.py).
"""

from __future__ import annotations

import logging

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestObjectError

from .. import mail
from ..messages import N_, display

log = logging.getLogger(__name__)

MAX_DETAILS = 10


def _counts(job_id: str) -> dict:
    rows = (
        model.Session.query(HarvestObject.report_status, sa.func.count(HarvestObject.id))
        .filter(HarvestObject.harvest_job_id == job_id)
        .group_by(HarvestObject.report_status)
    )
    counts = dict(rows.all())
    gather = model.Session.query(HarvestGatherError).filter(HarvestGatherError.harvest_job_id == job_id)
    return {
        "added": counts.get("added", 0),
        "updated": counts.get("updated", 0),
        "deleted": counts.get("deleted", 0),
        "errors": counts.get("errored", 0) + gather.count(),
    }


def _details(job_id: str) -> list[str]:
    gather = [
        m
        for (m,) in model.Session.query(HarvestGatherError.message)
        .filter(HarvestGatherError.harvest_job_id == job_id)
        .limit(MAX_DETAILS)
    ]
    objects = [
        m
        for (m,) in model.Session.query(HarvestObjectError.message)
        .join(HarvestObject, HarvestObject.id == HarvestObjectError.harvest_object_id)
        .filter(HarvestObject.harvest_job_id == job_id)
        .limit(MAX_DETAILS)
    ]
    return [f"- {display(m)}" for m in (gather + objects)[:MAX_DETAILS]]


def recipients(owner_org: str | None) -> list[model.User]:
    """The active admins, with an e-mail address, of the commune and of its métropole."""
    org = model.Group.get(owner_org) if owner_org else None
    if org is None:
        return []
    groups = [org.id]
    # the métropole the commune belongs to: its organisation's reference field (communes capability)
    metropole = model.Group.get((org.extras or {}).get("member_of") or None)
    if metropole is not None and metropole.state == "active":
        groups.append(metropole.id)
    return (
        model.Session.query(model.User)
        .join(model.Member, model.Member.table_id == model.User.id)
        .filter(
            model.Member.group_id.in_(groups),
            model.Member.table_name == "user",
            model.Member.state == "active",
            model.Member.capacity == "admin",
            model.User.state == "active",
            model.User.email.isnot(None),
            model.User.email != "",
        )
        .distinct()
        .order_by(model.User.name)
        .all()
    )


def job_ended(job_id: str) -> int:
    """Mail the job's report if it ended with errors or withdrew datasets; the number sent."""
    if not tk.config.get("ckanext.metropole.harvest.notify"):
        return 0
    job = HarvestJob.get(job_id)
    counts = _counts(job_id)
    if not (counts["errors"] or counts["deleted"]):
        return 0
    source = model.Package.get(job.source_id)
    name = source.name if source else job.source_id
    title = (source.title if source else None) or job.source.title or job.source.url
    org = model.Group.get(source.owner_org) if source and source.owner_org else None
    url = tk.config.get("ckan.site_url").rstrip("/") + f"/harvest/{name}/job/{job_id}"
    locale = tk.config.get("ckan.locale_default") or "en"
    subject = N_(
        "{site}: the harvest of “{source}” ended with {errors} error(s) and {deleted} dataset(s) withdrawn",
        site=tk.config.get("ckan.site_title"),
        source=title,
        **counts,
    ).render(locale)
    body = N_(
        "The harvest job of the source “{source}” ({commune}) has ended.\n\n"
        "Datasets created: {added}\nDatasets updated: {updated}\nDatasets withdrawn: {deleted}\n"
        "Errors: {errors}\n\n{details}\n\nThe job's page, with every error and warning: {url}\n",
        source=title,
        commune=org.title if org else "",
        details="\n".join(_details(job_id)),
        url=url,
        **counts,
    ).render(locale)
    sent = 0
    for user in recipients(org.id if org else None):
        try:
            mail.mail_user(user, subject, body, tk.config.get("ckanext.metropole.harvest.smtp_timeout"))
            sent += 1
        except Exception as e:  # a mail that cannot go never fails the run that ended the job
            log.error("harvest: report of job %s not mailed to %s: %s", job_id, user.name, e)
    if not sent:
        log.info("harvest: report of job %s mailed to nobody (no admin with an e-mail address)", job_id)
    return sent
