"""Exporters and importers: CSV and the exchange formats of qualitative research."""
