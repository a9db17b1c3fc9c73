"""gunicorn's settings for the portal: ``gunicorn -c python:ckanext.metropole.stack.gunicorn_conf``
with ``CKAN_INI`` naming the ini (``--bind`` given on the command line). Used by ``make up``,
the docker web container and the load benchmark alike. Sizes: ``server.sizing``."""

from ckanext.metropole.stack import gunicorn_write
from ckanext.metropole.stack.server import sizing

_size = sizing()
# a page's head and body in one write: a node killed mid-response never sends half a page
gunicorn_write.install()

wsgi_app = "ckanext.metropole.stack.wsgi:application"
worker_class = "gthread"
workers = _size["workers"]
threads = _size["threads"]
# Bounded queues: at most this many connections open per worker (being served or waiting for
# a thread), then at most `backlog` waiting in the kernel; beyond, a client is refused at once
# rather than left waiting for minutes.
worker_connections = 250
backlog = 512
# A request running longer than this is a stuck worker: gunicorn kills and replaces it.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Restart a worker now and then, so that a slow leak in a plugin never grows without bound.
max_requests = 5000
max_requests_jitter = 500
accesslog = None
errorlog = "-"
# gunicorn >= 24 opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl):
# two servers of the machine (make up, the benchmark's two) would fight over it. Unused here.
control_socket_disable = True
