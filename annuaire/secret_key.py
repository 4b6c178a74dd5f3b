"""The secret key: never in the repository. DJANGO_SECRET_KEY when given, else one generated on first run
into var/secret_key (mode 0600) and read back by every later process, so sessions survive restarts."""

import hashlib
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# SHA-256 of keys that were published (in settings.py before issue #10): anyone can sign sessions with them.
PUBLISHED_KEY_HASHES = {
    "bfbfe8b905e175d16392df81aef8a0f47ce46d4e975872fd3c645c11a3ae132e",
}


def is_published(key: str) -> bool:
    return hashlib.sha256(key.encode()).hexdigest() in PUBLISHED_KEY_HASHES


def load_secret_key(environ_value: str | None, path: Path) -> str:
    """Return the key to use; refuse a published or empty one (ImproperlyConfigured)."""
    if environ_value and environ_value.strip():  # empty counts as absent (docker-compose's ${VAR:-})
        key = environ_value.strip()
        origin = "DJANGO_SECRET_KEY"
    else:
        key = _read_or_create(path)
        origin = str(path)
    if not key:
        raise ImproperlyConfigured(f"{origin} est vide : donnez une clé secrète (50 caractères aléatoires ou plus).")
    if is_published(key):
        raise ImproperlyConfigured(f"{origin} contient une clé publiée dans le dépôt : générez-en une nouvelle "
                                   "(ou supprimez var/secret_key pour qu'elle soit créée au démarrage).")
    return key


def _read_or_create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two gunicorn workers starting together cannot both write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(64) + "\n")
    return path.read_text(encoding="ascii").strip()
