"""QR codes for issued documents: the link to the public verification page (/verify/...)."""

import base64
import io

import segno

# Module size in SVG user units. The <img> is sized in mm by the template's CSS, so this only sets the
# proportions of the drawing; WeasyPrint scales the vector image to the printed width without blurring.
_SVG_SCALE = 4
# Four modules of quiet zone is what ISO/IEC 18004 asks for; scanners (zbar included) miss codes without it.
_QUIET_ZONE = 4


def qr_svg_data_uri(url: str) -> str:
    """Return the QR code for ``url`` as a ``data:image/svg+xml;base64,...`` URI.

    Error correction M survives a crease or a stamp over part of the code on a printed form, and keeps the
    symbol small enough (~30 mm) for a verification URL with a number and a token.
    """
    if not url:
        raise ValueError("a document QR code needs the verification URL")
    # boost_error=False keeps level M exactly as chosen rather than letting segno raise it when it fits,
    # so every document prints a code of predictable density.
    qr = segno.make_qr(url, error="m", boost_error=False)
    buffer = io.BytesIO()
    # A standalone SVG (with its namespace) is needed: WeasyPrint loads it as an image, not as inline markup.
    qr.save(
        buffer,
        kind="svg",
        scale=_SVG_SCALE,
        border=_QUIET_ZONE,
        dark="#000",
        light="#fff",  # an explicit white background: a transparent one vanishes on tinted paper or scans
        xmldecl=False,
        svgns=True,
    )
    svg = buffer.getvalue().decode("utf-8")
    # segno writes width/height but no viewBox; without one an SVG is not scaled to the <img> box but clipped
    # or padded, so the printed size would depend on the renderer rather than on the template's CSS.
    width, height = qr.symbol_size(scale=_SVG_SCALE, border=_QUIET_ZONE)
    svg = svg.replace("<svg ", f'<svg viewBox="0 0 {width} {height}" ', 1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
