"""Label texts shared by the label, filetype-match and pre-flight tests."""

from __future__ import annotations

import textwrap

from uploader_gui.core.delivery.label import Label, parse_label_text

HEADER = """\
dataset: demo_set
delivery_id: '0001'
time:
  delivery_start_date: 2025-01-15
delivery_meta:
  schema_version: 0.1.0
"""


def label_text(filetypes: str = "", *, options: str = "", header: str = HEADER) -> str:
    """A valid label with the given `filetypes:` body and global validation options."""
    text = header
    if options:
        text = text.replace(
            "  schema_version: 0.1.0\n",
            "  schema_version: 0.1.0\n  global_validation_options:\n"
            + textwrap.indent(textwrap.dedent(options), "    "),
        )
    if filetypes:
        text += "filetypes:\n" + textwrap.indent(textwrap.dedent(filetypes), "  ")
    return text


def make_label(filetypes: str, *, options: str = "") -> Label:
    return parse_label_text(label_text(filetypes, options=options), "label.yaml")


def fits_label_text(dataset: str, delivery_id: str) -> str:
    """A label with one FITS filetype that tolerates missing filetypes (sessions, channels)."""
    return (
        f"dataset: {dataset}\n"
        f"delivery_id: '{delivery_id}'\n"
        "time:\n"
        "  delivery_start_date: 2025-01-15\n"
        "filetypes:\n"
        "  images:\n"
        "    filename: '.*\\.fits$'\n"
        "    standard: fits\n"
        "delivery_meta:\n"
        "  schema_version: 0.1.0\n"
        "  global_validation_options:\n"
        "    missing_filetypes_ok: true\n"
    )
