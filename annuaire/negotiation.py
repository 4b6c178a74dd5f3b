"""DRF content negotiation where `?format=` is a parameter like the others: an unknown or empty value is
a 400 in French naming the formats the endpoint has (DRF answers an unknown one with a 404 and ignores
an empty one, while the schema lists the formats as an enum)."""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class StrictFormatNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        param = self.settings.URL_FORMAT_OVERRIDE
        fmt = None if format_suffix else request.query_params.get(param) if param else None
        if fmt is not None and not any(r.format == fmt for r in renderers):
            json = next((r for r in renderers if r.media_type == "application/json"), None)
            if json is not None:  # the error itself in plain JSON, not in the first renderer's type
                request.accepted_renderer, request.accepted_media_type = json, json.media_type
            formats = ", ".join(dict.fromkeys(r.format for r in renderers))
            raise ValidationError({"detail": f"format inconnu : « {fmt} ». Formats possibles : {formats}.",
                                   "parametre": param})
        return super().select_renderer(request, renderers, format_suffix)
