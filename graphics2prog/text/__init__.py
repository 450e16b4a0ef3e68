"""Handwritten words on a page (issue 18): find and read them (words.find_words) and group them
into lines (labels.read_texts), take their ink out of an ink map so that the shape parser does
not see letters (mask.without_words), and attach text primitives to the shapes they name
(attach.attach_labels, joined.join_attached, attach.labels_to_json).

An image-input layer: it imports graphics2prog.image and nothing above it; the attachment is
pure geometry on spec primitives."""
from .attach import Attachment, attach_labels, attach_spec, labels_to_json
from .base import TextBackendMissing, Word
from .config import LabelConfig, TextConfig
from .joined import join_attached, join_texts, reading_order
from .labels import group_lines, read_texts, texts_in_grid, try_read_texts
from .mask import without_words, word_mask
from .weights import TextWeightsError
from .words import BACKENDS, find_words

__all__ = ["Word", "TextConfig", "LabelConfig", "TextBackendMissing", "TextWeightsError",
           "find_words", "BACKENDS", "word_mask", "without_words", "read_texts",
           "try_read_texts", "group_lines", "texts_in_grid", "Attachment", "attach_labels", "attach_spec",
           "labels_to_json", "join_attached", "join_texts", "reading_order"]
