"""WSGI application of the portal for gunicorn: CKAN from the ini named by ``CKAN_INI``
(CKAN's documented ``wsgi.py``, docs.ckan.org "Deploying a source install")."""

import contextlib
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

_ini = os.environ["CKAN_INI"]
with contextlib.suppress(KeyError):  # an ini without logging sections: gunicorn's own logging stays
    fileConfig(_ini, disable_existing_loggers=False)
application = make_app(CKANConfigLoader(_ini).get_config())
