"""A record's `data`, per record type: the one contract the app writes, the API checks and the
dashboard reads.

`models` holds each type's strict model (`MODELS`); `against` checks a record against the
document version it names (`against_definition`); `stored` is the reading side, any row's data
made into the shape the readers assume.
"""

from __future__ import annotations

from pwa.ops.payloads.against import Mismatch, against_definition
from pwa.ops.payloads.models import CATEGORIES, MAX_PHOTOS, MODELS, Payload
from pwa.ops.payloads.stored import stored

__all__ = [
    "CATEGORIES",
    "MAX_PHOTOS",
    "MODELS",
    "Mismatch",
    "Payload",
    "against_definition",
    "stored",
]
