import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# The URL configuration imports every view module (and, through the agreement views, scipy):
# imported here, that happens when a web process starts instead of during the first request
# it serves, which used to wait 1 to 10 s for it.
import config.urls  # noqa: E402, F401
