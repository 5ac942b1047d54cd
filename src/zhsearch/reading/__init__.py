"""Reading files: encodings, formats, page structure, passages."""
