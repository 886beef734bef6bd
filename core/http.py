from django.contrib.auth.models import User
from django.http import HttpRequest
from rest_framework.request import Request


class AuthedHttpRequest(HttpRequest):
    """A request that LoginRequiredMiddleware has let through: its user is signed in."""

    user: User


class AuthedRequest(Request):
    """A DRF request that passed IsAuthenticated."""

    user: User
