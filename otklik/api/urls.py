from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from otklik.api.errors import error_response
from otklik.api.main import api


@csrf_exempt  # it changes nothing; without this a DELETE to a bad path gets Django's HTML CSRF page
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Unknown API paths answer in the API's error shape, not with the site's HTML page."""
    return error_response(404, "not_found", "Такого адреса в API нет. Список — в /api/v1/docs.")


urlpatterns = [
    path("", api.urls),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found),
]
