"""Reads on the domain, as chainable QuerySet methods (search builds on these)."""

from django.db import models

from .vocabulaires import Statut


class ThemeQuerySet(models.QuerySet):
    def roots(self):
        return self.filter(parent__isnull=True)

    def expand(self, slugs):
        """The given themes and all their sub-themes: a parent theme matches its children."""
        slugs = list(slugs)
        return self.filter(models.Q(slug__in=slugs) | models.Q(parent_id__in=slugs))


class DispositifQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Statut.PUBLIE)

    def with_themes(self, slugs):
        """Dispositifs on any of these themes or their sub-themes (no duplicate rows)."""
        from .models import Theme

        if not slugs:
            return self
        through = self.model.themes.through
        wanted = Theme.objects.expand(slugs).values("slug")
        return self.filter(
            models.Exists(through.objects.filter(dispositif_id=models.OuterRef("pk"), theme_id__in=wanted)))
