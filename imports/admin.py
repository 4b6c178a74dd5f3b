"""Import runs are a record: visible in the admin, never edited there."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import GeocodeCache, ImportRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "source", "file_name", "status", "dry_run", "rows", "created", "updated",
                    "unchanged", "rejected", "archived", "user"]
    list_filter = ["status", "dry_run", "source"]
    search_fields = ["file_name", "source", "sha256"]
    date_hierarchy = "started_at"
    exclude = ["report"]
    readonly_fields = ["report_table"]

    @admin.display(description="rapport")
    def report_table(self, obj):
        if not obj.report:
            return "aucun problème"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((p.get("line") or "", p.get("column", ""), p.get("value", ""), p.get("reason", ""),
              "erreur" if p.get("severity") == "error" else "avertissement") for p in obj.report[:2000]))
        more = f"… et {len(obj.report) - 2000} autres" if len(obj.report) > 2000 else ""
        return format_html("<table><thead><tr><th>ligne</th><th>colonne</th><th>valeur</th><th>motif</th>"
                           "<th>gravité</th></tr></thead><tbody>{}</tbody></table>{}", rows, more)


@admin.register(GeocodeCache)
class GeocodeCacheAdmin(ReadOnlyAdmin):
    list_display = ["query", "found", "kind", "score", "citycode", "created_at"]
    search_fields = ["query", "label"]
