"""Checking that bytes are an image we accept, and making thumbnails. Pure functions."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from io import BytesIO

from PIL import Image, ImageOps

# Pillow format name -> the content type we record and serve. No SVG, ever: it is
# a document that can carry script, not a picture.
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
CONTENT_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
}
ACCEPT = ",".join(CONTENT_TYPES)
# A 5 MB file can still declare enormous dimensions (a decompression bomb): refuse
# anything over 40 megapixels before decoding it.
MAX_PIXELS = 40_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
THUMBNAIL_SIZE = 256


class NotAnImageError(ValueError):
    """The bytes are not a JPEG, PNG, WebP or GIF we can safely decode."""


@dataclass(frozen=True)
class ImageInfo:
    format: str
    content_type: str
    width: int
    height: int


def inspect_image(data: bytes) -> ImageInfo:
    """Identify and structurally verify the image, without trusting any name or header."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as image:
                fmt = image.format
                if fmt not in FORMATS:
                    raise NotAnImageError(f"unsupported format {fmt}")
                width, height = image.size
                image.verify()
            # verify() leaves the image unusable and skips the pixel data: decode it too,
            # so a truncated file is caught here rather than in the thumbnail task.
            with Image.open(BytesIO(data)) as image:
                image.load()
    except NotAnImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise NotAnImageError("too many pixels") from exc
    except Exception as exc:  # Pillow raises many types (OSError, SyntaxError, ...)
        raise NotAnImageError(str(exc) or exc.__class__.__name__) from exc
    if width * height > MAX_PIXELS or width < 1 or height < 1:
        raise NotAnImageError("bad dimensions")
    return ImageInfo(format=fmt, content_type=FORMATS[fmt], width=width, height=height)


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    width: int
    height: int


def render_thumbnail(data: bytes, *, size: int = THUMBNAIL_SIZE) -> Thumbnail:
    """A WebP at most `size` px on its longest side, upright, without EXIF (no GPS)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(data)) as original:
                if original.format not in FORMATS:
                    raise NotAnImageError(f"unsupported format {original.format}")
                original.seek(0)  # first frame of an animation
                image = ImageOps.exif_transpose(original)
                has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                    image.mode == "P" and "transparency" in image.info
                )
                image = image.convert("RGBA" if has_alpha else "RGB")
                image.thumbnail((size, size), Image.Resampling.LANCZOS)
                out = BytesIO()
                image.save(out, "WEBP", quality=80, method=4)
    except NotAnImageError:
        raise
    except Exception as exc:
        raise NotAnImageError(str(exc) or exc.__class__.__name__) from exc
    return Thumbnail(data=out.getvalue(), width=image.width, height=image.height)
