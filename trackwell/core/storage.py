"""Collected static files: hashed names and compressed copies for WhiteNoise to serve."""

from typing import Any

from django.conf import settings
from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage; Brotli copies unless STATIC_BROTLI is off.

    Brotli at its best quality takes most of `collectstatic`'s time; the test
    suite turns it off (gzip copies are still made), production keeps it.
    """

    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(use_brotli=getattr(settings, "STATIC_BROTLI", True), **kwargs)
