import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svtoolkit.settings")
application = get_wsgi_application()

# The URL patterns and every view they name are loaded now rather than by the first request, and then all
# that start-up made (about 175,000 objects that live as long as the process) is set aside from the garbage
# collector: otherwise each full collection walked them all again, a pause of about 100 ms that held every
# thread of the worker (one incident page in two hundred took 140 ms instead of 40; docs/performance.md).
get_resolver().url_patterns  # noqa: B018 (loading them is the point)
gc.freeze()
