"""PDF bytes to text per page: the extraction (``extract``), its three text libraries (``text``),
tables as Markdown (``tables``) and the resource guards around it (``guard``).
"""
