"""Static files as production serves them: compressed (gzip) and fingerprinted, so WhiteNoise sends them
with a far-future immutable cache; a changed file gets a new name, so browsers never keep a stale one."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """The manifest storage, forgiving where files are not collected yet (a fresh checkout, a new file
    before `collectstatic`): the plain name is used, which the finders serve in development."""

    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not in STATIC_ROOT: not collected yet
            return name
