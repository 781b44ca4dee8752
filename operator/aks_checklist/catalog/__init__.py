"""The AKS Checklist as data."""
