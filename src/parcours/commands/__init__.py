"""One module per ``parcours`` command; each exposes ``add_parser`` and ``run``."""
