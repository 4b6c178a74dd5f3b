"""data·inclusion files (schema v0 and v1) read as the importer's own columns."""

from .columns import Profile, load_profile


def with_structures(profile, path):
    prof = load_profile(profile) or Profile(name="")
    prof.structures = path
    return prof
