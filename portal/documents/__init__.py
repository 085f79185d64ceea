"""Issued documents (DOCUMENTS.md): PDF rendering in a process pool, QR codes, sample contexts for tests."""

from portal.documents.qr import qr_svg_data_uri
from portal.documents.render import DocumentRenderer, render_html, render_pdf_sync

__all__ = ["DocumentRenderer", "qr_svg_data_uri", "render_html", "render_pdf_sync"]
