"""Every vocabulary label is in the page's language (issue #14): themes, sub-themes, publics, French levels,
modalities, statuses, map controls, on the public pages and /cartes/. A French label outside content marked
lang="fr" fails the test."""

from html.parser import HTMLParser

import pytest
from django.utils import translation

from annuaire.web.theme_labels import SUBTHEME_LABELS
from annuaire.web.themes import CATEGORY_LABELS
from dispositifs.models import Theme
from dispositifs.vocabulaires import Modalite, NiveauFrancais, Public, StatutProtection
from tests.browser.sample import build_sample

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ar", "ps", "fa", "ti", "ru", "uk"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class InterfaceText(HTMLParser):
    """The page's text and attribute values, leaving out elements marked lang="fr" (French content)."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open element: inside French content?
        self.chunks: list[str] = []

    def french(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        inside = self.french() or attrs.get("lang") == "fr"
        if not inside:
            self.chunks += [attrs[a] for a in ("title", "aria-label", "alt", "placeholder", "data-zoom-in",
                                               "data-zoom-out", "content") if attrs.get(a)]
        if tag not in VOID:
            self.stack.append(inside)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.french() and data.strip():
            self.chunks.append(data.strip())


def interface_text(html: str) -> str:
    parser = InterfaceText()
    parser.feed(html)
    return "\n".join(parser.chunks)


def french_labels() -> set[str]:
    with translation.override("fr"):
        labels = {str(v) for v in CATEGORY_LABELS.values()} | {str(v) for v in SUBTHEME_LABELS.values()}
        labels |= set(Theme.objects.values_list("label", flat=True))
        for vocabulary in (Public, NiveauFrancais, StatutProtection, Modalite):
            labels |= {str(choice.label) for choice in vocabulary if len(str(choice.label)) > 2}  # not "A1"
        labels |= {"Zoomer", "Dézoomer"}
    # Words that read the same in English (or are names) are not evidence of a missing translation.
    return labels - {"Addictions", "Famille"} - {label for label in labels if label.isupper()}


@pytest.fixture
def pages(client):
    s = build_sample()
    s.francais.themes.add(*Theme.objects.filter(parent__isnull=False).values_list("slug", flat=True)[:40])
    s.emploi.themes.add(*Theme.objects.filter(parent__isnull=False).values_list("slug", flat=True)[40:])
    s.francais.protection_statuses = ["refugie", "protection-subsidiaire"]
    s.francais.save()
    return ["/", "/recherche/?commune=21166", f"/dispositifs/{s.francais.pk}/", f"/dispositifs/{s.emploi.pk}/",
            "/territoires/departements/21/", "/cartes/"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_french_vocabulary_label_on_a_non_french_page(client, pages, lang):
    labels = french_labels()
    missing = {}
    for path in pages:
        response = client.get(path, {"lang": lang})
        assert response.status_code == 200, path
        text = interface_text(response.content.decode())
        found = sorted(label for label in labels if label in text)
        if found:
            missing[path] = found
    assert missing == {}, f"French labels on {lang} pages: {missing}"


def test_the_check_sees_french_labels_on_french_pages(client, pages):
    """The same page in French shows the labels (the root's lang="fr" set aside): the test above can fail;
    the French content marked lang="fr" (the h1) is left out of the interface text."""
    html = client.get(pages[2], {"lang": "fr"}).content.decode().replace('<html lang="fr"', '<html lang="xx"', 1)
    text = interface_text(html)
    assert "Maîtriser le calcul" in text and "Bénéficiaires de la protection internationale" in text
    assert "Deux matinées par semaine." not in text  # the description, marked lang="fr"
