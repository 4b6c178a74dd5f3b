"""The public web pages: home, results, detail, département (server-rendered, DSFR)."""
