"""Who may do what, where: one set of plain functions asked by the web pages and the API alike.

- `national` (or a superuser): everything, national offers included.
- `operateur`: every non-national dispositif that touches its territory (a lieu in it, or a
  coverage naming it, one of its communes, or its région), its import sources, invitations within it.
- `structure`: its structure's non-national dispositifs; its edits wait for an operator.

`can_*` answer yes/no; `require_*` raise PermissionDenied with the French sentence the API
returns as `detail` and the pages show.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q

from dispositifs.models import Dispositif, Lieu
from dispositifs.services import Draft, draft_footprint
from territoires.models import Departement

from .models import Compte, Role


def compte(user) -> Compte | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.compte
    except Compte.DoesNotExist:
        return None


def role(user) -> str | None:
    if user is not None and user.is_authenticated and user.is_superuser:
        return Role.NATIONAL
    c = compte(user)
    return c.role if c else None


def is_national(user) -> bool:
    return role(user) == Role.NATIONAL


def scope(user) -> set[str]:
    """The département codes an operator answers for (a région counts all its départements)."""
    c = compte(user)
    if c is None or c.role != Role.OPERATEUR:
        return set()
    if not hasattr(c, "_scope"):
        deps = set(c.departements.values_list("code", flat=True))
        deps |= set(Departement.objects.filter(region__in=c.regions.all()).values_list("code", flat=True))
        c._scope = deps
    return c._scope


# -- reads: what an account may open in the back office ----------------------------------------
def editable_dispositifs(user, queryset=None):
    """The dispositifs this account may see in its space and edit (any status)."""
    qs = Dispositif.objects.all() if queryset is None else queryset
    r = role(user)
    if r == Role.NATIONAL:
        return qs
    if r == Role.STRUCTURE:
        return qs.filter(national=False, structure_id=compte(user).structure_id)
    if r == Role.OPERATEUR:
        return qs.filter(national=False).filter(touching(scope(user)))
    return qs.none()


def touching(deps: set[str]) -> Q:
    """Dispositifs with a lieu in these départements or a coverage touching them (codes, not polygons)."""
    regions = Departement.objects.filter(code__in=deps).values("region_id")
    through = Dispositif.regions.through
    return Q(Exists(Lieu.objects.filter(dispositif_id=OuterRef("pk"), commune__departement_id__in=deps))) | Q(
        Exists(Dispositif.departements.through.objects.filter(dispositif_id=OuterRef("pk"),
                                                              departement_id__in=deps))) | Q(
        Exists(Dispositif.communes.through.objects.filter(dispositif_id=OuterRef("pk"),
                                                          commune__departement_id__in=deps))) | Q(
        Exists(through.objects.filter(dispositif_id=OuterRef("pk"), region_id__in=regions)))


def can_edit(user, d: Dispositif) -> bool:
    return d.pk is not None and editable_dispositifs(user).filter(pk=d.pk).exists()


def can_write(user, draft: Draft, current: Dispositif | None = None) -> bool:
    """May this account create the draft, or turn `current` into it? The new state must stay within
    its reach too (nobody moves a fiche out of their territory and loses it)."""
    r = role(user)
    if r is None or (current is not None and not can_edit(user, current)):
        return False
    if r == Role.NATIONAL:
        return True
    national, deps = draft_footprint(draft, current)
    if national:
        return False
    if r == Role.STRUCTURE:
        structure = draft.structure if draft.structure_given else (current.structure if current else None)
        return structure is not None and structure.pk == compte(user).structure_id
    return bool(deps & scope(user))


def can_publish(user, d: Dispositif) -> bool:
    return role(user) in (Role.NATIONAL, Role.OPERATEUR) and can_edit(user, d)


def can_delete(user, d: Dispositif) -> bool:
    return can_publish(user, d)


def publishes_directly(user) -> bool:
    """Operators and the national team publish their edits; a structure member's wait for moderation."""
    return role(user) in (Role.NATIONAL, Role.OPERATEUR)


def can_import(user, source_slug: str) -> bool:
    r = role(user)
    if r == Role.NATIONAL:
        return True
    return r == Role.OPERATEUR and compte(user).sources.filter(slug=source_slug).exists()


def can_invite(user, *, role_: str, departements=(), regions=(), structure=None) -> bool:
    """Operators invite structure members of a structure in their territory and operators of a part
    of it; a structure member invites colleagues of its structure; national invites anyone."""
    r = role(user)
    if r == Role.NATIONAL:
        return True
    if r == Role.STRUCTURE:
        return role_ == Role.STRUCTURE and structure is not None and structure.pk == compte(user).structure_id
    if r != Role.OPERATEUR or role_ == Role.NATIONAL:
        return False
    mine = scope(user)
    if role_ == Role.OPERATEUR:
        wanted = set(departements) | set(Departement.objects.filter(region_id__in=list(regions))
                                         .values_list("code", flat=True))
        return bool(wanted) and wanted <= mine
    return structure is not None and structure_in_scope(structure, mine)


def structure_in_scope(structure, deps: set[str]) -> bool:
    if structure.commune_id and structure.commune.departement_id in deps:
        return True
    return Dispositif.objects.filter(structure=structure, national=False).filter(touching(deps)).exists()


# -- raising forms, for views and API ------------------------------------------------------------
OUTSIDE = "Ce dispositif est hors de votre territoire : vous ne pouvez pas le modifier."


def require_edit(user, d: Dispositif) -> None:
    if not can_edit(user, d):
        raise PermissionDenied(_national_or(d, OUTSIDE))


def require_write(user, draft: Draft, current: Dispositif | None = None) -> None:
    if not can_write(user, draft, current):
        if role(user) == Role.STRUCTURE:
            raise PermissionDenied("Vous ne pouvez écrire que les dispositifs de votre structure, non nationaux.")
        national, _ = draft_footprint(draft, current)
        if national:
            raise PermissionDenied("Seule l'équipe nationale peut créer ou modifier une offre nationale.")
        raise PermissionDenied("Ce dispositif serait hors de votre territoire : ajoutez un lieu ou une "
                               "couverture dans votre territoire.")


def require_publish(user, d: Dispositif) -> None:
    if not can_publish(user, d):
        raise PermissionDenied(_national_or(
            d, "Seul un opérateur du territoire peut publier ou retirer ce dispositif."))


def _national_or(d: Dispositif, message: str) -> str:
    if d.national:
        return "Seule l'équipe nationale peut modifier une offre nationale."
    return message

