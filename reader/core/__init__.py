"""The domain: documents, text index, annotations, codebook, undo and the store. No Textual."""
