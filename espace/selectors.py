"""Reads for the personal space: my territory at a glance (themes, freshness, moderation, imports)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from comptes import moderation, permissions
from comptes.models import Role
from dispositifs.models import Dispositif, Theme
from dispositifs.vocabulaires import Statut
from imports.models import ImportRun
from territoires.models import Departement


def stale_before():
    """Verified before this date (or never) is stale."""
    return timezone.localdate() - timedelta(days=round(30.44 * settings.FRESHNESS_MONTHS))


def stale(qs):
    return qs.filter(Q(last_verified__isnull=True) | Q(last_verified__lt=stale_before()))


def dashboard(user) -> dict:
    mine = permissions.editable_dispositifs(user)
    published = mine.filter(status=Statut.PUBLIE)
    roots = {t.slug: t for t in Theme.objects.roots()}
    by_theme = dict.fromkeys(roots, 0)
    through = Dispositif.themes.through
    rows = (through.objects.filter(dispositif__in=published.values("pk"))
            .values("theme__parent_id", "theme_id").annotate(n=Count("dispositif_id", distinct=True)))
    for row in rows:
        slug = row["theme__parent_id"] or row["theme_id"]
        if slug in by_theme:
            by_theme[slug] += row["n"]
    limit = stale_before()
    freshness = published.aggregate(
        recent=Count("pk", filter=Q(last_verified__gte=limit)),
        old=Count("pk", filter=Q(last_verified__lt=limit)),
        never=Count("pk", filter=Q(last_verified__isnull=True)))
    deps = sorted(permissions.scope(user)) if permissions.role(user) == Role.OPERATEUR else []
    return {
        "role": permissions.role(user),
        "compte": permissions.compte(user),
        "total": mine.count(),
        "published": published.count(),
        "by_theme": [(roots[slug], n) for slug, n in by_theme.items()],
        "freshness": freshness,
        "months": settings.FRESHNESS_MONTHS,
        "waiting": moderation.waiting(user).distinct().order_by("title")[:50],
        "stale": stale(published).order_by("last_verified", "title")[:20],
        "imports": ImportRun.objects.filter(user=user).order_by("-started_at")[:10],
        "departements": Departement.objects.filter(code__in=deps).order_by("code"),
    }
