from django.conf import settings
from django.core.management.base import BaseCommand

from dispositifs.models import Dispositif
from traductions.client import TranslationUnavailable
from traductions.services import machine_drafts


class Command(BaseCommand):
    help = "Machine drafts (TRANSLATE_URL, LibreTranslate API) for published dispositifs without a current translation."

    def add_arguments(self, parser):
        parser.add_argument("--langue", action="append", help="ar, ps, fa… (default: every page language)")
        parser.add_argument("--limit", type=int, default=0)

    def handle(self, *args, **opts):
        langues = opts["langue"] or [code for code, _name in settings.LANGUAGES if code != "fr"]
        dispositifs = Dispositif.objects.published().order_by("pk")
        if opts["limit"]:
            dispositifs = dispositifs[: opts["limit"]]
        written = failed = 0
        for dispositif in dispositifs:
            try:
                written += machine_drafts(dispositif, langues=langues)
            except TranslationUnavailable as exc:
                failed += 1
                self.stderr.write(f"{dispositif.pk}: {exc}")
        return f"drafts={written} failed={failed} langues={','.join(langues)}"
