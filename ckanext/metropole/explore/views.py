"""/api/explore/v2.1/: the routes of Opendatasoft's Explore API, answering in its JSON shapes
and error bodies (``{"error_code": ..., "message": ...}``)."""

from __future__ import annotations

from urllib.parse import urlencode

import ckan.plugins.toolkit as tk
import flask
from ckan.lib import api_token

from . import catalog, exports, query
from .fields import normalise
from .odsql import ODSQLError

blueprint = flask.Blueprint("metropole_explore", __name__, url_prefix="/api/explore/v2.1")
EXPORT_LABELS = [("csv", "CSV"), ("json", "JSON"), ("geojson", "GeoJSON"), ("parquet", "Parquet")]


def _context() -> dict:
    """The caller: CKAN's (session or ``Authorization: <token>``, as the Action API), or an
    API token given as ODS clients give their key (``Authorization: ApiKey <token>``, ``?apikey=``)."""
    user = tk.current_user.name if tk.current_user.is_authenticated else None
    header = flask.request.headers.get("Authorization", "")
    key = header[7:].strip() if header.lower().startswith("apikey ") else flask.request.args.get("apikey")
    if key and not user:
        found = api_token.get_user_from_token(key)
        if found is None or found.state != "active":
            raise _Fail(401, "AuthenticationError", "Invalid API key")
        user = found.name
    return {"user": user or "", "ignore_auth": False}


class _Fail(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _json(body, status: int = 200) -> flask.Response:
    response = flask.jsonify(body)
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"  # read by re-users' web pages, as ODS is
    return response


def _answer(compute) -> flask.Response:
    try:
        return compute()
    except ODSQLError as e:
        return _json({"error_code": e.code, "message": e.message}, 400)
    except (tk.ObjectNotFound, tk.NotAuthorized):
        # a private dataset is unknown to whoever may not read it (no hint that it exists)
        return _json({"error_code": "NoSuchDataset", "message": "Unknown dataset"}, 404)
    except _Fail as e:
        return _json({"error_code": e.code, "message": e.message}, e.status)


def _dataset(dataset_id: str):
    context = _context()
    dataset, resource = catalog.resolve(context, dataset_id)
    return context, dataset, resource


@blueprint.route("/catalog/datasets", strict_slashes=False)
def datasets():
    return _answer(lambda: _json(catalog.search(_context(), flask.request.args)))


@blueprint.route("/catalog/datasets/<dataset_id>", strict_slashes=False)
def dataset(dataset_id: str):
    def compute():
        context, found, resource = _dataset(dataset_id)
        return _json(catalog.describe(context, found, resource))

    return _answer(compute)


def _table(dataset_id: str) -> str:
    return catalog.locate(_context(), dataset_id)


@blueprint.route("/catalog/datasets/<dataset_id>/records", strict_slashes=False)
def records(dataset_id: str):
    return _answer(lambda: _json(query.run(_table(dataset_id), flask.request.args)))


def _record(dataset_id: str, record_id: str):
    found = query.record(_table(dataset_id), record_id, flask.request.args)
    if found is None:
        raise _Fail(404, "NoSuchRecord", f"Unknown record: {record_id}")
    return _json(found)


@blueprint.route("/catalog/datasets/<dataset_id>/records/<record_id>", strict_slashes=False)
def record(dataset_id: str, record_id: str):
    return _answer(lambda: _record(dataset_id, record_id))


@blueprint.route("/catalog/datasets/<dataset_id>/exports/<fmt>", strict_slashes=False)
def export(dataset_id: str, fmt: str):
    def compute():
        body = exports.prepare(fmt, _table(dataset_id), flask.request.args)
        filename = f"{dataset_id.split(':')[0]}.{fmt}"
        return flask.Response(
            body,
            content_type=exports.CONTENT_TYPES[fmt],
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Access-Control-Allow-Origin": "*",
                "X-Accel-Buffering": "no",  # a proxy passes the stream on as it comes
            },
        )

    return _answer(compute)


def export_links(dataset: dict, resource: dict) -> list[tuple[str, str]]:
    """("CSV", url), ... of a DataStore resource, with the current view's filters
    (``?filters=Column:value|...``, CKAN's view filters) as refine parameters."""
    if not resource.get("datastore_active"):
        return []
    tables = [r["id"] for r in dataset.get("resources", []) if r.get("datastore_active")]
    dataset_id = dataset["name"] if tables[:1] == [resource["id"]] else f"{dataset['name']}:{resource['id']}"
    refine = []
    for item in (flask.request.args.get("filters") or "").split("|"):
        column, sep, value = item.partition(":")
        if sep and column:
            refine.append(("refine", f"{normalise(column)}:{value}"))
    base = f"{tk.config.get('ckan.site_url').rstrip('/')}{blueprint.url_prefix}/catalog/datasets/{dataset_id}"
    suffix = f"?{urlencode(refine)}" if refine else ""
    return [(label, f"{base}/exports/{fmt}{suffix}") for fmt, label in EXPORT_LABELS]
