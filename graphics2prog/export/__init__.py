"""Exports of specs and programs (TikZ/LaTeX)."""
