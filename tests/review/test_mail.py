"""Notifications through CKAN's mailer, read back from a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import threading

import pytest

from .conftest import as_user


@pytest.mark.usefixtures("with_request_context")  # mails in the portal's language (fr)
def test_reviewers_told_on_submit_agent_on_return_and_accept(people, smtp):
    pkg = people.draft(name="dae", title="Défibrillateurs d'Aubière")
    sent = as_user(people.agent, "metropole_review_submit", id=pkg["id"], comment="Première version")
    assert sent["notification"] == {"sent": 1, "error": None}
    [to_reviewer] = smtp.to(people.reviewer["email"])
    assert to_reviewer["subject"] == "[Relecture] Défibrillateurs d'Aubière soumis par Aubière"
    assert "Première version" in to_reviewer["body"] and "/moderation" in to_reviewer["body"]
    assert not smtp.to(people.agent["email"]) and not smtp.to(people.other_agent["email"])

    as_user(people.reviewer, "metropole_review_return", id="dae", comment="Précisez la date de maintenance.")
    [returned] = smtp.to(people.agent["email"])
    assert returned["subject"] == "[Relecture] Défibrillateurs d'Aubière : corrections demandées"
    assert "Précisez la date de maintenance." in returned["body"] and "/dataset/dae" in returned["body"]

    as_user(people.agent, "metropole_review_submit", id="dae")
    as_user(people.reviewer, "metropole_review_accept", id="dae")
    accepted = smtp.to(people.agent["email"])[-1]
    assert accepted["subject"] == "[Relecture] Défibrillateurs d'Aubière est publié"
    assert len(smtp.to(people.reviewer["email"])) == 2


@pytest.mark.usefixtures("with_request_context")
def test_mail_server_down_transition_still_happens(people, ckan_config, monkeypatch, caplog):
    from ckanext.metropole.review import notify

    monkeypatch.setattr(notify.log, "disabled", False)  # loggers made before the ini's logging config
    caplog.set_level(logging.ERROR, logger=notify.log.name)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{port}")
    pkg = people.draft(name="dae")
    result = as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    assert result["review_state"] == "submitted"
    assert "n'a pas pu être envoyé" in result["notification"]["error"]
    assert any("not sent" in r.getMessage() for r in caplog.records)
    result = as_user(people.reviewer, "metropole_review_accept", id="dae")
    assert result["review_state"] == "published" and result["notification"]["error"]


@pytest.mark.usefixtures("with_request_context")
def test_mail_server_that_never_answers_does_not_hold_the_transition(people, ckan_config, monkeypatch):
    """A server that accepts the connection and says nothing (CKAN's mailer has no timeout).
    The timeout is the mail connection's own: while the mail waits, the process's default
    timeout, which every other thread's new sockets take, is left as it was."""
    monkeypatch.setitem(ckan_config, "ckanext.metropole.review.smtp_timeout", 1)
    process_default = socket.getdefaulttimeout()
    seen, connections = [], []

    def accept(silent):
        connection, _ = silent.accept()  # the mail now waits for a greeting that never comes
        connections.append(connection)
        seen.append(socket.getdefaulttimeout())

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        silent.settimeout(30)
        acceptor = threading.Thread(target=accept, args=(silent,), daemon=True)
        acceptor.start()
        monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{silent.getsockname()[1]}")
        result = as_user(people.agent, "metropole_review_submit", id=people.draft(name="dae")["id"])
        acceptor.join(30)
    for connection in connections:
        connection.close()
    assert result["review_state"] == "submitted"
    assert "n'a pas pu être envoyé" in result["notification"]["error"]
    assert seen == [process_default] and process_default != 1
