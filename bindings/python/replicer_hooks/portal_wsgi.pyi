# Type stub of replicer_hooks.portal_wsgi (see __init__.pyi).
from _typeshed.wsgi import WSGIApplication

from . import Portal


def application(portal: Portal) -> WSGIApplication: ...
