"""atomistic."""
