"""The trust's comparison within prior attainment groups (trust leaders only, 404 for others)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from trackwell.accounts import access
from trackwell.reports.trust import iter_trust
from trackwell.scores.trust_prior import trust_prior_comparison

from .common import user_of


@require_safe
@login_required
def trust_prior(request: HttpRequest) -> HttpResponse:
    """Attainment and progress within prior attainment groups, by school and trust-wide."""
    user = user_of(request)
    trust = access.trust_of(user)  # 404 for everyone but a trust leader
    schools = list(access.trust_schools(user))
    blocks, minimum = trust_prior_comparison(iter_trust(schools))  # a few schools at a time
    return render(
        request,
        "scores/trust_prior.html",
        {
            "trust": trust,
            "schools": schools,
            "blocks": blocks,
            "min_size": minimum,
        },
    )
