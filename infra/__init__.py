"""Infrastructure beside template.yaml: the local stack and deploy helpers."""
