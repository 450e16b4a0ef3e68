"""Handwritten words on a page (issue 18): find and read them (words.find_words), and take
their ink out of an ink map so that the shape parser does not see letters (mask.without_words).

An image-input layer: it imports graphics2prog.image and nothing above it."""
from .base import TextBackendMissing, Word
from .config import TextConfig
from .mask import without_words, word_mask
from .words import BACKENDS, find_words

__all__ = ["Word", "TextConfig", "TextBackendMissing", "find_words", "BACKENDS",
           "word_mask", "without_words"]
