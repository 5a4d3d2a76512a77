"""The site's URLs plus one page that fails, to see the 500 page (test_error_pages)."""

from django.urls import path

from otklik.urls import handler500  # noqa: F401 - handler500 is used by Django
from otklik.urls import urlpatterns as site_urlpatterns


def boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site_urlpatterns]
