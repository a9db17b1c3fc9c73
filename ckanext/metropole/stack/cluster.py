"""What scripts/cluster.sh needs beyond the shell: nginx's configuration, the SolrCloud collection
and the cluster's status, one JSON document.

    python -m ckanext.metropole.stack.cluster nginx-conf OUT --http-port P --web-ports P P ...
    python -m ckanext.metropole.stack.cluster solr-collection CONF_DIR --nodes URL URL --name N
    python -m ckanext.metropole.stack.cluster status NODES_JSON [--solr URL --collection N]

Everything listens on 127.0.0.1. nginx is the cluster's one door: the web nodes behind port 5000
(static assets served from disk, an idempotent request retried on the other node when one fails)
and the Solr nodes behind their own port, which is CKAN's ``solr_url``: pysolr talks to one URL,
nginx sends each request to a live node. Solr updates are retried too (``non_idempotent``): an
add or a delete by id gives the same index when applied twice.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import requests
from lxml import etree

NGINX_CONF = """\
{user}worker_processes 1;
pid {run}/nginx.pid;
error_log {logs}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    # which node(s) served each request: "127.0.0.1:5101, 127.0.0.1:5102" is a retried one
    log_format upstreams '$remote_addr [$time_local] "$request" $status upstream=$upstream_addr '
                         'upstream_status=$upstream_status $request_time';
    access_log {logs}/nginx-access.log upstreams;
    sendfile on;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    # A node that fails a request is left aside for fail_timeout, then tried again.
    upstream ckan_web {{
{web_servers}
        keepalive 16;
    }}
    upstream solr_nodes {{
{solr_servers}
        keepalive 8;
    }}
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_connect_timeout 2s;
    proxy_next_upstream_tries 2;
    proxy_next_upstream_timeout 30s;
    server {{
        listen 127.0.0.1:{http_port};
        client_max_body_size 100m;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 120s;
        proxy_send_timeout 120s;
        # GET, HEAD, PUT, DELETE, OPTIONS (nginx's idempotent methods) go to the other node when
        # one refuses, breaks the connection or answers 502-504; a POST only when never sent.
        proxy_next_upstream error timeout http_502 http_503 http_504;
        # Static assets from disk: CKAN's built bundles (shared file store) and its public files;
        # a file not there yet (a bundle built on first use) is asked of a web node.
        location ^~ /webassets/ {{
            root {storage};
            expires 7d;
            try_files $uri @web;
        }}
        location ^~ /base/ {{
            root {ckan_public};
            expires 7d;
            try_files $uri @web;
        }}
        location / {{
            proxy_pass http://ckan_web;
        }}
        location @web {{
            proxy_pass http://ckan_web;
        }}
    }}
    server {{
        listen 127.0.0.1:{solr_lb_port};
        client_max_body_size 100m;
        proxy_read_timeout 60s;
        proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;
        location /solr/ {{
            proxy_pass http://solr_nodes;
        }}
    }}
}}
"""


def nginx_conf(args) -> str:
    def servers(ports):
        return "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)

    cluster = Path(args.cluster_dir)
    import ckan

    return NGINX_CONF.format(
        user=f"user {args.user};\n" if args.user else "",
        run=cluster / "run",
        logs=cluster / "log",
        tmp=cluster / "nginx" / "tmp",
        mime_types=args.mime_types,
        web_servers=servers(args.web_ports),
        solr_servers=servers(args.solr_ports),
        http_port=args.http_port,
        solr_lb_port=args.solr_lb_port,
        storage=args.storage,
        ckan_public=Path(ckan.__file__).parent / "public",
    )


# ---------------------------------------------------------------- SolrCloud


def _solr(method: str, url: str, **kwargs) -> dict:
    kwargs.setdefault("timeout", 60)
    response = requests.request(method, url, **kwargs)
    try:
        body = response.json()
    except ValueError:
        body = {"raw": response.text[:500]}
    if response.status_code >= 400:
        raise SystemExit(f"solr: {method} {url} answered {response.status_code}: {body}")
    return body


def cloud_schema(conf_dir: Path) -> None:
    """SolrCloud's replicas compare update versions read from the index: ``_version_`` must be a
    long with docValues (Solr's own schemas); CKAN's schema declares it a string, which a
    standalone core never reads back but a replica's recovery does (UnsupportedOperationException
    in VersionInfo.getVersionFromIndex, the replica stuck "recovering")."""
    path = conf_dir / "schema.xml"
    tree = etree.parse(str(path))
    for field in tree.getroot().iter("field"):
        if field.get("name") == "_version_":
            field.attrib.update({"type": "plong", "indexed": "false", "stored": "false", "docValues": "true"})
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def _conf_zip(conf_dir: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(conf_dir.iterdir()):
            if f.is_file():
                # a fixed date: the same files give the same zip (and the same fingerprint)
                z.writestr(zipfile.ZipInfo(f.name, (2020, 1, 1, 0, 0, 0)), f.read_bytes())
    return buf.getvalue()


def replica_states(base: str, collection: str, timeout: float = 10) -> list[dict]:
    """Each replica of the collection: its shard, node, state and whether it leads."""
    body = _solr(
        "GET",
        f"{base}/admin/collections",
        params={"action": "CLUSTERSTATUS", "collection": collection, "wt": "json"},
        timeout=timeout,
    )
    live = set(body["cluster"].get("live_nodes", []))
    out = []
    for shard_name, shard in body["cluster"]["collections"][collection]["shards"].items():
        for name, r in shard["replicas"].items():
            out.append(
                {
                    "shard": shard_name,
                    "replica": name,
                    "core": r["core"],
                    "node": r["node_name"],
                    "base_url": r["base_url"],
                    "state": r["state"] if r["node_name"] in live else "down",
                    "leader": r.get("leader") == "true",
                }
            )
    return out


def wait_active(base: str, collection: str, replicas: int, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    states: list[dict] = []
    while time.monotonic() < deadline:
        try:
            states = replica_states(base, collection)
        except (requests.RequestException, SystemExit, KeyError):
            states = []
        if len(states) >= replicas and all(s["state"] == "active" for s in states):
            return states
        time.sleep(1)
    raise SystemExit(f"solr: collection {collection} not active after {timeout:.0f} s: {states}")


def solr_collection(args) -> None:
    """Upload the configset (the same files as the standalone core's) and create the collection
    with a replica of every shard on every node; an existing collection is reloaded when its
    configset changed."""
    base = args.nodes[0].rstrip("/")
    cloud_schema(Path(args.conf_dir))
    data = _conf_zip(Path(args.conf_dir))
    fingerprint = hashlib.sha256(data).hexdigest()[:16]
    stamp = Path(args.stamp) if args.stamp else None
    collections = _solr("GET", f"{base}/admin/collections", params={"action": "LIST", "wt": "json"})
    exists = args.name in collections.get("collections", [])
    if exists and stamp and stamp.exists() and stamp.read_text().strip() == fingerprint:
        wait_active(base, args.name, args.shards * len(args.nodes), args.timeout)
        return
    _solr(
        "POST",
        f"{base}/admin/configs",
        params={"action": "UPLOAD", "name": args.name, "overwrite": "true", "cleanup": "true", "wt": "json"},
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    if exists:
        _solr("GET", f"{base}/admin/collections", params={"action": "RELOAD", "name": args.name})
    else:
        _solr(
            "GET",
            f"{base}/admin/collections",
            params={
                "action": "CREATE",
                "name": args.name,
                "numShards": args.shards,
                "replicationFactor": len(args.nodes),
                "collection.configName": args.name,
                "createNodeSet": ",".join(_node_name(u) for u in args.nodes),
                "waitForFinalState": "true",
                "wt": "json",
            },
            timeout=args.timeout,
        )
    states = wait_active(base, args.name, args.shards * len(args.nodes), args.timeout)
    per_node = {}
    for s in states:
        per_node.setdefault(s["node"], set()).add(s["shard"])
    if len(per_node) != len(args.nodes) or any(len(v) != args.shards for v in per_node.values()):
        raise SystemExit(f"solr: every node should hold every shard, got {per_node}")
    if stamp:
        stamp.write_text(fingerprint)


def _node_name(url: str) -> str:
    # SolrCloud's node names: host:port_context
    host_port, _, context = url.split("://", 1)[1].partition("/")
    return f"{host_port}_{context.strip('/') or 'solr'}"


# ---------------------------------------------------------------- status


def _pid(pidfile: str) -> int | None:
    try:
        return int(Path(pidfile).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status(args) -> dict:
    nodes = []
    for node in json.loads(Path(args.nodes_json).read_text()):
        pidfile = node.pop("pidfile")
        pid = _pid(pidfile) if pidfile else None
        # the shared file store is a folder, not a process
        alive = _alive(pid) if pidfile else Path(node["address"]).is_dir()
        nodes.append({**node, "pid": pid if alive else None, "running": alive})
    doc = {"cluster": str(Path(args.nodes_json).parent.parent), "nodes": nodes}
    if args.solr:
        try:
            doc["solr_collection"] = {
                "name": args.collection,
                "replicas": replica_states(args.solr, args.collection, timeout=5),
            }
        except (requests.RequestException, SystemExit, KeyError) as e:
            doc["solr_collection"] = {"name": args.collection, "error": str(e)[:300]}
    return doc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ckanext.metropole.stack.cluster")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("nginx-conf")
    p.add_argument("out")
    p.add_argument("--cluster-dir", required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--web-ports", nargs="+", type=int, required=True)
    p.add_argument("--solr-ports", nargs="+", type=int, required=True)
    p.add_argument("--solr-lb-port", type=int, required=True)
    p.add_argument("--storage", required=True)
    p.add_argument("--user", default="")
    p.add_argument("--mime-types", default="/etc/nginx/mime.types")
    p = sub.add_parser("solr-collection")
    p.add_argument("conf_dir")
    p.add_argument("--nodes", nargs="+", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--shards", type=int, default=1)
    p.add_argument("--stamp", default="")
    p.add_argument("--timeout", type=float, default=180)
    p = sub.add_parser("status")
    p.add_argument("nodes_json")
    p.add_argument("--solr", default="")
    p.add_argument("--collection", default="ckan")
    args = parser.parse_args(argv)
    if args.command == "nginx-conf":
        Path(args.out).write_text(nginx_conf(args))
    elif args.command == "solr-collection":
        solr_collection(args)
    else:
        json.dump(status(args), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
