"""Import runs are a record: visible in the admin, never edited there, deleted only by a superuser.

A run's problems are rows (ImportProblem): the run page shows the first ones and links to their
paginated list and to the whole report as CSV, so the page of a 100,000-problem run stays small."""

import csv

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from . import runs
from .models import GeocodeCache, ImportProblem, ImportRun
from .report import REPORT_COLUMNS

PREVIEW = 20


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HistoryAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # the history of imports is not for staff to rewrite


class _Echo:
    """csv.writer into a generator: writerow returns the line instead of buffering the file."""

    def write(self, value):
        return value


@admin.register(ImportRun)
class ImportRunAdmin(HistoryAdmin):
    list_display = ["started_at", "source", "file_name", "status", "dry_run", "rows", "created", "updated",
                    "unchanged", "rejected", "archived", "user"]
    list_filter = ["status", "dry_run", "source"]
    search_fields = ["file_name", "source", "sha256"]
    date_hierarchy = "started_at"
    readonly_fields = ["report_table"]

    def changelist_view(self, request, extra_context=None):
        runs.interrupt_stale()  # a run left "running" by a dead process is shown as interrupted
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [path("<int:pk>/rapport.csv", self.admin_site.admin_view(self.report_csv),
                     name="imports_importrun_report_csv"), *super().get_urls()]

    def report_csv(self, request, pk):
        """The whole report as CSV, streamed from the table (UTF-8 with BOM for Excel)."""
        run = get_object_or_404(ImportRun, pk=pk)
        if not self.has_view_permission(request, run):
            return self.admin_site.login(request)
        rows = run.problems.order_by("line", "id").values_list(
            "line", "column", "value", "reason", "severity", "cause", "suggestion").iterator(chunk_size=2000)

        def lines():
            writer = csv.writer(_Echo())
            yield "\ufeff" + writer.writerow(REPORT_COLUMNS)
            for line, *rest in rows:
                yield writer.writerow(["" if line is None else line, *rest])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rapport-import-{run.pk}.csv"'
        return response

    @admin.display(description="rapport")
    def report_table(self, obj):
        total = obj.problems.count()
        if not total:
            return "aucun problème"
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((p.line or "", p.column, p.value, p.reason, p.get_severity_display())
             for p in obj.problems.order_by("line", "id")[:PREVIEW]))
        listing = reverse("admin:imports_importproblem_changelist") + f"?run__id__exact={obj.pk}"
        csv_url = reverse("admin:imports_importrun_report_csv", args=[obj.pk])
        return format_html(
            '<p><a href="{}">voir les {} problèmes (par pages)</a> · <a href="{}">télécharger le rapport (CSV)</a>'
            "</p><table><thead><tr><th>ligne</th><th>colonne</th><th>valeur</th><th>motif</th><th>gravité</th>"
            "</tr></thead><tbody>{}</tbody></table>", listing, total, csv_url, rows)


@admin.register(ImportProblem)
class ImportProblemAdmin(HistoryAdmin):
    list_display = ["line", "column", "value", "reason", "severity", "cause", "suggestion", "run"]
    list_filter = ["severity", "cause"]
    list_select_related = ["run"]
    search_fields = ["value", "reason", "column"]
    list_per_page = 100
    show_full_result_count = False


@admin.register(GeocodeCache)
class GeocodeCacheAdmin(ReadOnlyAdmin):
    list_display = ["query", "found", "kind", "score", "citycode", "created_at"]
    search_fields = ["query", "label"]
