"""Scheduled (cron, daily or weekly): remind the people responsible for stale fiches."""

from django.core.management.base import BaseCommand

from comptes.freshness import send_reminders


class Command(BaseCommand):
    help = "Envoie les rappels « toujours à jour ? » pour les fiches non vérifiées depuis N mois (6 par défaut)."

    def add_arguments(self, parser):
        parser.add_argument("--mois", type=int, default=None, help="ancienneté en mois (ANNUAIRE_FRESHNESS_MONTHS)")

    def handle(self, *args, **opts):
        emails, fiches = send_reminders(months=opts["mois"])
        return f"emails={emails} fiches={fiches}"
