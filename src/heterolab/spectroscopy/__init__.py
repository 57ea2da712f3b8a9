"""spectroscopy."""
