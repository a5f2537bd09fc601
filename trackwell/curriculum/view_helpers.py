"""What the curriculum's views share: the signed-in user, framework links, refusals."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from trackwell.accounts.models import User
from trackwell.curriculum.models import Framework

GET_POST = ["GET", "HEAD", "POST"]


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def framework_url(framework: Framework | int) -> str:
    pk = framework if isinstance(framework, int) else framework.pk
    return reverse("curriculum-framework", args=[pk])


def refuse(request: HttpRequest, exc: ValidationError, back: str) -> HttpResponseRedirect:
    """Say why a change was refused, on the page the user came from."""
    for message in exc.messages:
        messages.warning(request, message)
    return HttpResponseRedirect(back)


def form_again(request: HttpRequest, form: forms.Form, *, title: str, back: str) -> HttpResponse:
    """A form sent with a mistake, drawn again on its own page with each field's error
    beside it and what was typed kept (400, Bad Request), sent back to the same address."""
    return render(
        request,
        "curriculum/form.html",
        {"form": form, "title": title, "back": back},
        status=400,
    )


def step_of(request: HttpRequest) -> int:
    return -1 if request.POST.get("direction") == "up" else 1
