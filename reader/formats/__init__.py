"""Document loaders: a file on disk becomes canonical text plus metadata."""
