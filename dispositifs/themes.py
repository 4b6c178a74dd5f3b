"""The theme vocabulary: loading fixtures/themes.json and reading theme labels from spreadsheets."""

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from territoires.text import fold

from .models import Theme

THEMES_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "themes.json"


def load_themes(path: Path = THEMES_FIXTURE) -> tuple[int, int]:
    """Create or update the vocabulary; returns (created, updated). Unchanged themes are not rewritten."""
    entries = json.loads(path.read_text(encoding="utf-8"))["themes"]
    existing = {t.slug: t for t in Theme.objects.all()}
    created = updated = 0
    with transaction.atomic():
        for entry in sorted(entries, key=lambda e: e["parent"] is not None):  # parents first
            fields = {"label": entry["label"], "parent_id": entry["parent"], "position": entry["position"],
                      "icon": entry.get("icon", ""), "synonyms": entry.get("synonyms", [])}
            theme = existing.get(entry["slug"])
            if theme is None:
                Theme.objects.create(slug=entry["slug"], **fields)
                created += 1
            elif any(getattr(theme, k) != v for k, v in fields.items()):
                Theme.objects.filter(slug=theme.slug).update(**fields)
                updated += 1
    return created, updated


class ThemeIndex:
    """Maps what people write ("FLE", "Apprendre le français", "sante", a slug) to theme slugs.

    Built once per import from the database: slugs, labels and synonyms, all folded.
    """

    def __init__(self, themes=None):
        themes = list(themes if themes is not None else Theme.objects.all())
        self.slugs = {t.slug for t in themes}
        self.roots = sorted(t.slug for t in themes if t.parent_id is None)
        self._index: dict[str, str] = {}
        for theme in sorted(themes, key=lambda t: t.parent_id is not None):  # a category wins a tie
            for name in [theme.slug, theme.label, *theme.synonyms]:
                self._index.setdefault(fold(name), theme.slug)

    def resolve(self, text: str) -> str | None:
        return self._index.get(fold(text))

    def known_labels(self) -> str:
        return ", ".join(self.roots)
