"""The index: text to chunks (``chunk``), content fingerprints and ids (``fingerprint``), chunks in
Chroma and Postgres (``store``), the keyword side (``query``, ``keyword``), hybrid search
(``search``) and similar documents (``similar``).
"""
