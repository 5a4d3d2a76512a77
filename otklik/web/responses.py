"""Answers shared by every page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    """400 with the reason in Russian (a parameter out of range, a malformed month...)."""
    return render(request, "web/bad_request.html", {"message": message, "back": request.path}, status=400)
