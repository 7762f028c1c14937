"""Reading and writing: the GeoPackage store, vector files and rasters. Never imports analysis or publish."""

from deerhabitat.io.store import LayerInfo, Provenance, Store, WriteResult, file_sha256

__all__ = ["LayerInfo", "Provenance", "Store", "WriteResult", "file_sha256"]
