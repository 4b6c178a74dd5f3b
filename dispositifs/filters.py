"""One declaration per search filter (docs/ARCHITECTURE.md, "The filter declaration").

Each `Filtre` says, once: its name (the attribute of `Filters`), its query parameter, how the
parameter is parsed (a DRF field: the 400s and the OpenAPI text both come from it), the rule as
an ORM condition on `Dispositif` (`DispositifQuerySet.matching`, the readable definition), the
same rule as an SQL fragment on a row of the search's side tables (`recherche_sql`, the fast
path) and the side-table columns that fragment reads, with the SQL that computes them from a
dispositif row `d` (`side_tables`: the models, so `makemigrations` adds the column, and the
trigger SQL re-applied on every migrate).

Adding a filter: one `Filtre` below, then `manage.py makemigrations dispositifs`;
tests/test_filters_declaration.py fails while the database and the declaration disagree.
A filter SQL cannot state (`ouvert`: opening hours) is a `FiltreApres`: parameter, parsing and OpenAPI
text here, and a function that keeps ids among the search's first results (dispositifs/apres.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail

from .ouverture import Ouvert
from .parametres import RAYON_MAX_KM, Booleen, Choix, Code, Entier, Langue, Rayon, Texte, Themes
from .vocabulaires import Modalite, NiveauFrancais, Public

RAYON_DEFAULT_KM = 30.0
PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 100
PAGE_MAX = 10_000

# A "présentiel" or "à distance" seeker is also served by a "mixte" action.
MODALITES_COMPATIBLES = {
    Modalite.PRESENTIEL: [Modalite.PRESENTIEL, Modalite.MIXTE],
    Modalite.DISTANCE: [Modalite.DISTANCE, Modalite.MIXTE],
    Modalite.MIXTE: [Modalite.MIXTE],
}


def niveaux_accessibles(niveau: str) -> list[str]:
    """French levels an action may require for a person at `niveau` (blank = no requirement)."""
    return ["", *[c.value for c in NiveauFrancais][: NiveauFrancais.rank(niveau) + 1]]


# ---------------------------------------------------------------------------------------------
# The declaration
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """A column of the side tables: its model field (makemigrations) and its SQL over the dispositif `d`."""

    name: str
    field: Callable[[], models.Field]
    source: str


@dataclass(frozen=True)
class Filtre:
    name: str                                   # attribute of Filters
    param: str                                  # query parameter
    field: Callable[[str], serializers.Field]   # parsing and OpenAPI, given the description
    description: str                            # French / English, for OpenAPI
    condition: Callable[[Any], models.Q]        # ORM, on Dispositif
    sql: str                                    # on a side-table row `{t}`, the value bound as %(name)s
    columns: tuple[Column, ...]
    sql_type: str = "varchar"                   # type of the bound value (the search function's argument)
    sql_value: Callable[[Any], Any] = lambda value: value
    default: Any = None
    # Selective filters on an array column also narrow the KNN walk inside the index (docs/ARCHITECTURE.md,
    # "Side tables"): `key` is that column, `key_values(value)` the elements a row needs one of (an empty
    # array is the element ""); the fragment `sql` still decides, the index only skips rows early.
    key: str | None = None
    key_values: Callable[[Any], list[str]] | None = None

    def active(self, value) -> bool:
        return value is not None and value != []

    def where(self, alias: str, value, params: dict) -> str:
        params[self.name] = self.sql_value(value)
        return "(" + self.sql.replace("{t}", alias) + ")"


def _themes_condition(slugs) -> models.Q:
    from .models import Dispositif, Theme

    through = Dispositif.themes.through
    wanted = Theme.objects.expand(slugs).values("slug")
    return models.Q(models.Exists(through.objects.filter(dispositif_id=models.OuterRef("pk"), theme_id__in=wanted)))


def _public_condition(public) -> models.Q:
    return models.Q(publics__contains=[public]) | models.Q(publics__contains=[Public.TOUS]) | models.Q(publics=[])


def _langue_condition(langue) -> models.Q:
    q = models.Q(languages__contains=[langue])
    return q | models.Q(languages=[]) if langue == "fr" else q


def _age_condition(age) -> models.Q:
    return ((models.Q(age_min__isnull=True) | models.Q(age_min__lte=age))
            & (models.Q(age_max__isnull=True) | models.Q(age_max__gte=age)))


def _varchars():
    return ArrayField(models.CharField(max_length=120), default=list)


# The dispositif's own theme slugs and their parents: `themes && wanted` is "on one of the wanted
# themes or one of their sub-themes" without expanding the wanted list, and facettes count it as is.
THEME_SLUGS = ("coalesce((SELECT array_agg(DISTINCT v.slug ORDER BY v.slug) "
               "FROM dispositifs_dispositif_themes dt JOIN dispositifs_theme th ON th.slug = dt.theme_id "
               "CROSS JOIN LATERAL (VALUES (th.slug), (th.parent_id)) v(slug) "
               "WHERE dt.dispositif_id = d.id AND v.slug IS NOT NULL), '{}')")

FILTRES: tuple[Filtre, ...] = (
    Filtre(
        "themes", "theme", lambda help_text: Themes(required=False, default=list, help_text=help_text),
        "Slug de thème, répétable ; un thème parent inclut ses sous-thèmes. / "
        "Theme slug, repeatable; a parent theme includes its sub-themes.",
        _themes_condition, "{t}.themes && %(themes)s::varchar[]",
        (Column("themes", _varchars, THEME_SLUGS),), sql_type="varchar[]", default=list,
        key="themes", key_values=list),
    Filtre(
        "public", "public", lambda help_text: Choix(Public, required=False, default=None, help_text=help_text),
        "Public visé ; les dispositifs « tous publics » ou sans public précisé sont inclus. / "
        "Target public; actions for everyone or without a stated public are included.",
        _public_condition, "{t}.publics && %(public)s::varchar[] OR {t}.publics = '{}'",
        (Column("publics", _varchars, "d.publics"),), sql_type="varchar[]", sql_value=lambda p: [p, Public.TOUS.value]),
    Filtre(
        "langue", "langue", lambda help_text: Langue(required=False, default=None, help_text=help_text),
        "Langue parlée, code ISO 639-1 (fr, en, ar, ps, fa…). / Language spoken, ISO 639-1 code.",
        _langue_condition,
        "{t}.languages @> ARRAY[%(langue)s]::varchar[] OR (%(langue)s = 'fr' AND {t}.languages = '{}')",
        (Column("languages", _varchars, "d.languages"),),
        key="languages", key_values=lambda langue: [langue, ""] if langue == "fr" else [langue]),
    Filtre(
        "age", "age",
        lambda help_text: Entier(required=False, default=None, min_value=0, max_value=120, help_text=help_text),
        "Âge de la personne : garde les dispositifs dont la tranche d'âge l'inclut. / "
        "Age of the person: keeps actions whose age range includes it.",
        _age_condition,
        "({t}.age_min IS NULL OR {t}.age_min <= %(age)s) AND ({t}.age_max IS NULL OR {t}.age_max >= %(age)s)",
        (Column("age_min", lambda: models.SmallIntegerField(null=True), "d.age_min"),
         Column("age_max", lambda: models.SmallIntegerField(null=True), "d.age_max")), sql_type="integer"),
    Filtre(
        "gratuit", "gratuit", lambda help_text: Booleen(required=False, default=None, help_text=help_text),
        "true : seulement les gratuits ; false : seulement les payants. / true: free ones only; false: paying ones.",
        lambda gratuit: models.Q(free=gratuit), "{t}.free = %(gratuit)s",
        (Column("free", lambda: models.BooleanField(null=True), "d.free"),), sql_type="boolean"),
    Filtre(
        "modalite", "modalite", lambda help_text: Choix(Modalite, required=False, default=None, help_text=help_text),
        "presentiel, distance ou mixte ; « mixte » sert aussi les deux autres. / "
        "presentiel, distance or mixte; a mixte action also serves the other two.",
        lambda m: models.Q(modality__in=MODALITES_COMPATIBLES[m]), "{t}.modality = ANY(%(modalite)s)",
        (Column("modality", lambda: models.CharField(max_length=12), "d.modality"),),
        sql_type="varchar[]", sql_value=lambda m: [str(x) for x in MODALITES_COMPATIBLES[m]]),
    Filtre(
        "niveau_francais", "niveau_francais",
        lambda help_text: Choix(NiveauFrancais, required=False, default=None, help_text=help_text),
        "Niveau de français de la personne : garde les dispositifs qui ne demandent pas plus. / "
        "French level of the person: keeps actions that do not require more.",
        lambda n: models.Q(french_level__in=niveaux_accessibles(n)), "{t}.french_level = ANY(%(niveau_francais)s)",
        (Column("french_level", lambda: models.CharField(max_length=10), "d.french_level"),),
        sql_type="varchar[]", sql_value=niveaux_accessibles),
)



@dataclass(frozen=True)
class FiltreApres:
    """A filter the search statement cannot run (opening hours are read by opening-hours-py, not SQL):
    declared like the others for its parameter, parsing and OpenAPI text; `keep(ids, value)` returns the
    ids it keeps among the first APRES_MAX results of the search (dispositifs/apres.py)."""

    name: str
    param: str
    field: Callable[[str], serializers.Field]
    description: str
    keep: Callable[[list[int], Any], set[int]]
    default: Any = None


def _open_keep(ids, moment):
    from .ouverture import open_dispositifs

    return open_dispositifs(ids, moment)


APRES_MAX = 200   # the post-filters read at most this many results of the search

APRES: tuple[FiltreApres, ...] = (
    FiltreApres(
        "ouvert", "ouvert", lambda help_text: Ouvert(required=False, default=None, help_text=help_text),
        "maintenant, un jour (lundi … dimanche : le prochain, aujourd'hui compris) ou une date AAAA-MM-JJ : garde "
        "les dispositifs dont un lieu est ouvert à ce moment (horaires du lieu, fermetures temporaires déduites), "
        f"parmi les {APRES_MAX} premiers résultats. / now, a day (its next occurrence) or a date: keeps actions "
        f"with a lieu open then (closures count), among the first {APRES_MAX} results.",
        _open_keep),
)

BY_NAME = {f.name: f for f in FILTRES}


def side_columns() -> list[Column]:
    """Every side-table column the filters read, in declaration order."""
    return [column for f in FILTRES for column in f.columns]


def keyed_filters() -> list[Filtre]:
    """The filters whose column is in the lieux' KNN index, in declaration order."""
    return [f for f in FILTRES if f.key]


# ---------------------------------------------------------------------------------------------
# Filters: the parsed values, and the serializers that parse them
# ---------------------------------------------------------------------------------------------
def _with(self, **changes):
    return dataclasses.replace(self, **changes)


Filters = dataclasses.make_dataclass(
    "Filters",
    [(f.name, Any, field(default_factory=f.default) if callable(f.default) else field(default=f.default))
     for f in FILTRES]
    + [(f.name, Any, field(default=f.default)) for f in APRES]
    + [("rayon_km", float, field(default=RAYON_DEFAULT_KM)), ("national", bool | None, field(default=True)),
       # catalogue only (/api/v1/dispositifs/)
       ("departement", str | None, field(default=None)), ("region", str | None, field(default=None)),
       ("structure", int | None, field(default=None))],
    namespace={"with_": _with, "__doc__": "The parsed search filters (one attribute per Filtre, plus the radius, "
               "`national` and the catalogue's territory and structure)."},
)
Filters.__module__ = __name__


def _filter_fields() -> dict:
    return {f.param: f.field(f.description) for f in FILTRES}


def _apres_fields() -> dict:
    return {f.param: f.field(f.description) for f in APRES}


def _place_fields() -> dict:
    return {
        "lat": Texte(required=False, default=None, help_text="Latitude WGS84 en degrés décimaux (avec lon). / "
                     "WGS84 latitude in decimal degrees (with lon)."),
        "lon": Texte(required=False, default=None, help_text="Longitude WGS84 en degrés décimaux (avec lat). / "
                     "WGS84 longitude in decimal degrees (with lat)."),
        "commune": Texte(required=False, default=None, help_text="Code INSEE de la commune (ex. 21166), ou son nom. / "
                         "INSEE code of the commune (e.g. 21166), or its name."),
        "code_postal": Texte(required=False, default=None, help_text="Code postal (ex. 21300) : la commune la plus "
                             "peuplée qui le porte. / Postal code: the most populous commune with that code."),
        "adresse": Texte(required=False, default=None, help_text="Adresse libre ; hors ligne, le code postal et/ou le "
                         "nom de commune qu'elle contient (Base Adresse Nationale si GEOCODER=ban). / Free-text "
                         "address; offline, the postal code and/or commune name found in it."),
    }


def _page_fields() -> dict:
    return {
        "page": Entier(required=False, default=1, min_value=1, max_value=PAGE_MAX,
                       help_text="Numéro de page (à partir de 1). / Page number (from 1)."),
        "page_size": Entier(required=False, default=PAGE_SIZE_DEFAULT, min_value=1, max_value=PAGE_SIZE_MAX,
                            help_text=f"Résultats par page (défaut {PAGE_SIZE_DEFAULT}, au plus {PAGE_SIZE_MAX}). / "
                            f"Results per page (default {PAGE_SIZE_DEFAULT}, at most {PAGE_SIZE_MAX})."),
    }


def _search_fields() -> dict:
    return {
        "rayon_km": Rayon(required=False, default=RAYON_DEFAULT_KM, min_value=0, max_value=RAYON_MAX_KM,
                          help_text=f"Rayon de proximité en km (défaut 30, 0 < rayon ≤ {RAYON_MAX_KM}). / "
                          f"Proximity radius in km (default 30, 0 < radius <= {RAYON_MAX_KM})."),
        "national": Booleen(required=False, default=True,
                            help_text="Inclure les offres nationales (défaut true) ; false retire celles qui ne sont "
                            "là que parce qu'elles sont nationales. / Include national offers (default true)."),
    }


def _catalogue_fields() -> dict:
    return {
        "departement": Code(r"\d{2,3}|2[AB]", required=False, default=None,
                            help_text="Code du département : un lieu dedans, ou une couverture qui le nomme, nomme sa "
                            "région ou une de ses communes. / Département code: a lieu in it, or a coverage naming "
                            "it, its région or one of its communes."),
        "region": Code(r"\d{2,3}", required=False, default=None, help_text="Code de la région (même règle). / "
                       "Région code (same rule)."),
        "structure": Entier(required=False, default=None, min_value=1, max_value=2**62,
                            help_text="Identifiant de la structure porteuse. / Id of the structure running it."),
        "national": Booleen(required=False, default=None, help_text="true : seulement les nationaux ; false : "
                            "seulement les locaux. / true: national ones only; false: local ones only."),
    }


class _Params(serializers.Serializer):
    """Query parameters: `parse()` returns the validated values or raises InvalidSearch for the
    first mistake, in declaration order, with its parameter (the API's 400)."""

    @classmethod
    def parse(cls, params) -> dict:
        """What `is_valid()` would give, field by field in declaration order, with fields built and bound once
        per process (`bound_fields`): building ~20 DRF fields for every search cost more than parsing them."""
        from .localisation import InvalidSearch

        values = {}
        # The names given (`theme[0]` is a `theme`): an absent parameter is its default without DRF's lookups.
        given = {key.partition("[")[0] for key in params}
        for name, parser in cls.bound_fields().items():
            try:
                raw = parser.get_value(params) if name in given else empty
                # Absent: what run_validation(empty) gives an optional field, without its checks.
                values[name] = parser.get_default() if raw is empty and not parser.required \
                    else parser.run_validation(raw)
            except SkipField:
                pass
            except (serializers.ValidationError, DjangoValidationError) as exc:
                messages = exc.detail if isinstance(exc, serializers.ValidationError) else get_error_detail(exc)
                raise InvalidSearch(str(messages[0] if isinstance(messages, list) else messages), param=name) from None
        return values

    @classmethod
    def bound_fields(cls) -> dict:
        """The fields of this class, bound to one instance kept for the process (they hold no state of a
        parse: the same instances serve every request; the OpenAPI schema builds its own)."""
        fields = cls.__dict__.get("_bound")
        if fields is None:
            fields = dict(cls().fields)
            cls._bound = fields
        return fields


class RechercheParams(_Params):
    """GET /api/v1/recherche/ and the results page."""

    def get_fields(self):
        return {**_place_fields(), **_filter_fields(), **_apres_fields(), **_search_fields(), **_page_fields()}


class FiltresParams(_Params):
    """The filters alone (the web form, where the place is read by the page)."""

    def get_fields(self):
        return {**_filter_fields(), **_apres_fields(), **_search_fields()}


class CatalogueParams(_Params):
    """GET /api/v1/dispositifs/ (its pagination is DRF's; page and page_size are listed for OpenAPI)."""

    def get_fields(self):
        return {**_filter_fields(), **_catalogue_fields(), **_page_fields()}


def filters_from(values: dict) -> Filters:
    """A Filters from validated parameters (parameter names mapped to attribute names)."""
    kwargs = {f.name: values.get(f.param, f.default() if callable(f.default) else f.default) for f in FILTRES}
    kwargs.update({f.name: values.get(f.param, f.default) for f in APRES})
    for name in ("rayon_km", "national", "departement", "region", "structure"):
        if name in values:
            kwargs[name] = values[name]
    return Filters(**kwargs)


def parse_filters(params, *, catalogue: bool = False) -> Filters:
    """Filters from query parameters; raises InvalidSearch (a French `detail` and its `param`)."""
    return filters_from((CatalogueParams if catalogue else FiltresParams).parse(params))


def parse_page(params) -> tuple[int, int]:
    values = _PageParams.parse(params)
    return values["page"], values["page_size"]


class _PageParams(_Params):
    def get_fields(self):
        return _page_fields()


Filters.from_params = classmethod(lambda cls, params: parse_filters(params))
