"""DRF content negotiation where `?format=` is a parameter like the others: an unknown or empty value is
a 400 in French naming the formats the endpoint has (DRF answers an unknown one with a 404 and ignores
an empty one, while the schema lists the formats as an enum). Without `format`, the choice depends only on
the Accept header and the view's renderers: made once per pair (DRF parses the header for every request,
~0.05 ms of a search)."""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation

# (Accept header, renderer classes) -> (index of the renderer chosen, media type); bounded: the header is the
# client's to write.
_CHOSEN: dict[tuple, tuple[int, str]] = {}
CHOSEN_MAX = 256


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
        if fmt is not None or format_suffix:
            return super().select_renderer(request, renderers, format_suffix)
        key = (request.META.get("HTTP_ACCEPT", ""), tuple(type(r) for r in renderers))
        chosen = _CHOSEN.get(key)
        if chosen is None:
            renderer, media_type = super().select_renderer(request, renderers, format_suffix)
            chosen = (next(i for i, r in enumerate(renderers) if r is renderer), media_type)
            if len(_CHOSEN) < CHOSEN_MAX:
                _CHOSEN[key] = chosen
        return renderers[chosen[0]], chosen[1]
