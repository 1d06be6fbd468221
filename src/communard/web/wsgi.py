"""WSGI entry point for production servers (``communard serve`` runs it under Granian)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "communard.web.settings")
application = get_wsgi_application()
