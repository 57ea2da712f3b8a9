"""kinetics."""
