"""A LibreTranslate-compatible client (POST {TRANSLATE_URL}/translate {q, source, target, format}).

Off unless settings.TRANSLATE_URL is set: machine drafts are a help for reviewers, never required."""

import json
import urllib.error
import urllib.request

from django.conf import settings


class TranslationUnavailable(Exception):
    """The service is not configured or did not answer; nothing is written."""


def translate(texts: list[str], *, target: str, source: str = "fr") -> list[str]:
    url = getattr(settings, "TRANSLATE_URL", "")
    if not url:
        raise TranslationUnavailable("TRANSLATE_URL n'est pas configuré.")
    body = {"q": texts, "source": source, "target": target, "format": "text"}
    if getattr(settings, "TRANSLATE_API_KEY", ""):
        body["api_key"] = settings.TRANSLATE_API_KEY
    request = urllib.request.Request(url.rstrip("/") + "/translate", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=getattr(settings, "TRANSLATE_TIMEOUT", 10)) as response:
            data = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TranslationUnavailable(f"Service de traduction injoignable : {exc}") from exc
    translated = data.get("translatedText")
    if isinstance(translated, str):
        translated = [translated]
    if not isinstance(translated, list) or len(translated) != len(texts):
        raise TranslationUnavailable("Réponse inattendue du service de traduction.")
    return [str(t) for t in translated]
