"""A commune portal shaped like Opendatasoft's Explore API v2.1, served from demo files.

``demo/portals/<portal>/datasets.json`` answers ``/api/explore/v2.1/catalog/datasets`` and
``exports/<dataset_id>.<format>`` answers ``…/catalog/datasets/<id>/exports/<format>``. CKAN
serves it under ``/demo-portals/<portal>`` (this plugin's blueprint) so the harvest source
and the harvested resources keep working links; while the demo is being loaded, before
CKAN runs, the same blueprint is served on CKAN's address for the first harvest.
"""
from __future__ import annotations

import contextlib
import re
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, send_file

import ckan.plugins.toolkit as tk

PREFIX = "/demo-portals"
API = "/api/explore/v2.1/catalog"
SAFE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MIMETYPES = {"csv": "text/csv", "json": "application/json", "geojson": "application/geo+json"}

blueprint = Blueprint("metropole_demo_portal", __name__)


def folder() -> Path:
    return Path(tk.config.get("ckanext.metropole.demo.folder") or "demo")


def _portal_dir(portal: str) -> Path:
    if not SAFE.match(portal):
        abort(404)
    path = folder() / "portals" / portal
    if not path.is_dir():
        abort(404)
    return path


@blueprint.route(PREFIX + "/<portal>" + API + "/datasets")
def datasets(portal):
    # Query parameters (limit, offset) are ignored: a demo portal fits in one page.
    return send_file(_portal_dir(portal) / "datasets.json", mimetype="application/json")


@blueprint.route(PREFIX + "/<portal>" + API + "/datasets/<dataset_id>/exports/<fmt>")
def export(portal, dataset_id, fmt):
    if not SAFE.match(dataset_id) or fmt not in MIMETYPES:
        abort(404)
    path = _portal_dir(portal) / "exports" / f"{dataset_id}.{fmt}"
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=MIMETYPES[fmt])


def portal_url(portal: str, site_url: str | None = None) -> str:
    return (site_url or tk.config.get("ckan.site_url")).rstrip("/") + f"{PREFIX}/{portal}"


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Werkzeug binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def served(site_url: str, demo_folder: Path):
    """Serve the demo portals on CKAN's own host and port while CKAN is not running (the
    demo is loaded before the portal starts), so the first harvest reads the same URLs that
    CKAN serves afterwards. Yields the base URL actually used."""
    from werkzeug.serving import make_server

    app = Flask(__name__)
    app.register_blueprint(blueprint)
    parts = urlsplit(site_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    if not _port_free(host, port):
        # CKAN's port is taken (CKAN already runs, or a test): an ephemeral port instead.
        # (Werkzeug's make_server exits the process on a taken port rather than raise.)
        host, port = "127.0.0.1", 0
    server = make_server(host, port, app, threaded=True)
    config_folder = tk.config.get("ckanext.metropole.demo.folder")
    tk.config["ckanext.metropole.demo.folder"] = str(demo_folder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{server.host}:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        tk.config["ckanext.metropole.demo.folder"] = config_folder
