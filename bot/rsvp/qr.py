"""A QR code as PNG bytes (the qrcode library, drawn by Pillow; no network, no platform SDK)."""

from __future__ import annotations

import io

# qrcode ships no type hints (types-qrcode would add them: a dependency for the lead to weigh)
import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage

BOX = 8  # pixels per module: a phone reads it off a screen at arm's length
BORDER = 4  # modules of quiet zone, as the standard asks


def matrix(data: str) -> list[list[bool]]:
    """The code's modules (True: dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX, border=0)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def png(data: str) -> bytes:
    """`data` as a black-on-white QR code PNG."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image(image_factory=PilImage)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
