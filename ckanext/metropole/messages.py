"""Messages written now and read later, in the reader's language.

The harvester writes its errors and warnings from a queue consumer, outside any request
(``harvest_gather_error``, ``harvest_object_error``, the warning extras of harvest
objects): nobody's language is known yet, and the same job page is read in French by the
commune's operator and in English on ``/en/…``. So a harvest message is not translated when
it is written: ``N_("English msgid {param}", param=…)`` builds a :class:`Message`, stored as a
small JSON payload (``{"metropole_i18n": msgid, "params": {…}}``, see :func:`stored`), and
:func:`display` translates it when it is read. The readers are ckanext-harvest's own
outputs, which we chain rather than replace (least invasive: ckanext-harvest's templates
``source/job/read.html`` and ``snippets/job_error_summary.html`` print ``error.message`` from
``harvest_job_show`` and ``harvest_job_report``, and its e-mails read ``harvest_job_report``):
the chained actions of ``harvest/logic/action.py`` pass every stored message of their answer
through :func:`display_all`. A text stored before this design (French prose) is not a payload
and is shown as it is.

Parameters are values (URLs, titles, counts, a remote server's own error text) or other
messages (an error inside "Harvest interrupted: {error}"), nested in the payload. Outside a
request (the harvest consumer, ``ckan harvester run-test``, CLI commands and their ``--help``),
messages are translated into the portal's language, ``ckan.locale_default``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import ckan.plugins.toolkit as tk
import flask
from babel.support import NullTranslations, Translations

MARK = "metropole_i18n"
I18N_DIR = Path(__file__).resolve().parent / "i18n"
DOMAIN = "ckanext-metropole"


@lru_cache(maxsize=4)
def _catalogue(locale: str):
    """Our compiled catalogue for a language, read with Babel (outside a request, where
    flask-babel has no locale)."""
    if locale.split("_")[0] == "en":
        return NullTranslations()
    return Translations.load(str(I18N_DIR), [locale], domain=DOMAIN)


def translate(msgid: str, locale: str | None = None) -> str:
    """msgid in ``locale``; by default in the request's language, or in the portal's default
    language outside a request."""
    if not msgid:  # gettext("") is the catalogue's header
        return msgid
    if locale is None and flask.has_request_context():
        return tk._(msgid)
    return _catalogue(locale or tk.config.get("ckan.locale_default") or "en").gettext(msgid)


def in_portal_language(msgid: str) -> str:
    """msgid in the portal's language (``ckan.locale_default``), whoever asks: for content
    written from a vocabulary (the theme groups' titles), which every visitor shares."""
    return translate(msgid, tk.config.get("ckan.locale_default") or "en")


class Message:
    """An English msgid and its parameters, translated when shown (``str()``)."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params):
        self.msgid = msgid
        self.params = params

    def render(self, locale: str | None = None) -> str:
        """The message in ``locale`` (by default the reader's, see :func:`translate`), its
        parameters rendered in the same language."""
        params = {k: _render(v, locale) for k, v in self.params.items()}
        try:
            return translate(self.msgid, locale).format(**params)
        except (KeyError, IndexError, ValueError):  # a broken translation: the English text
            return self.msgid.format(**params)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"N_({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and (self.msgid, self.params) == (other.msgid, other.params)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def payload(self) -> dict:
        return {MARK: self.msgid, "params": {k: payload_of(v) for k, v in self.params.items()}}


# Babel's extractor knows N_ (a message marked now, translated later) among its keywords.
N_ = Message


def content(message) -> str:
    """A message (or a plain value) written as content, in the portal's language whoever asks:
    stored text every visitor shares (a consolidated dataset's notes)."""
    if not isinstance(message, Message):
        return str(message)
    return message.render(tk.config.get("ckan.locale_default") or "en")


def _render(value, locale: str | None = None):
    """A parameter ready for str.format: messages translated, lists joined, numbers kept
    (a msgid may format them: "{share:.0%}")."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(_render(v, locale)) for v in value)
    return value.render(locale) if isinstance(value, Message) else value


def payload_of(value):
    """A message (or a list of them, or a value) as JSON data, to keep inside a JSON document."""
    if isinstance(value, Message):
        return value.payload()
    if isinstance(value, (list, tuple)):
        return [payload_of(v) for v in value]
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


def from_payload(value):
    """JSON data back into messages (dicts marked as payloads); anything else as it is."""
    if isinstance(value, dict) and isinstance(value.get(MARK), str):
        return Message(value[MARK], **{k: from_payload(v) for k, v in (value.get("params") or {}).items()})
    if isinstance(value, list):
        return [from_payload(v) for v in value]
    return value


def stored(message) -> str:
    """The text to store for a message: its payload, or a plain text as it is."""
    if isinstance(message, Message):
        return json.dumps(message.payload(), ensure_ascii=False, sort_keys=True)
    return str(message)


def loads(text):
    """A stored text back into its Message; any other text (a message stored before
    this design, a remote server's words) as it is."""
    if isinstance(text, str) and text.startswith('{"' + MARK + '"'):
        try:
            return from_payload(json.loads(text))
        except ValueError:
            pass
    return text


def display(text) -> str:
    """A stored text as the reader reads it: a payload translated, anything else unchanged."""
    return str(loads(text)) if isinstance(text, str) else text


def of(error: BaseException):
    """The message an exception carries (a Message when it was raised with one)."""
    message = getattr(error, "message", None) or (error.args[0] if error.args else None)
    return message if isinstance(message, Message) else str(error)


def display_all(value):
    """Every stored message inside an action's answer (dicts and lists), translated."""
    if isinstance(value, dict):
        return {k: display_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [display_all(v) for v in value]
    return display(value) if isinstance(value, str) else value
