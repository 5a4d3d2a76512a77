from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from otklik.web.context_processors import navigation


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send people straight to their first section (inbox for most roles)."""
    items = navigation(request)["nav_items"]
    if items:
        return redirect(items[0].url)
    return render(request, "web/home.html")
