"""Import and export jobs: their records, and the workers that carry them out."""
