"""Security headers on every response: a CSP with no inline script, no framing, no sniffing.

The app shell and the dashboard need no inline script or style at all. The handbook pages
come from MkDocs Material, whose theme puts three small inline scripts in every page (colour
palette, anchor targets, `__md_scope`); those pages are our own build output, so their
scripts are allowed by hash, computed from the page actually served, and nothing else is.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re

from flask import Flask, Response, request

CSP: dict[str, str] = {
    "default-src": "'self'",
    # 'wasm-unsafe-eval' lets the vendored ZXing QR decoder compile its WebAssembly (phones
    # without a native BarcodeDetector); it does not allow eval() of JavaScript
    "script-src": "'self' 'wasm-unsafe-eval'",
    "style-src": "'self'",
    # photos are previewed from data: and blob: URLs before upload
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
    # the QR scanner shows the camera stream in a <video>
    "media-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # the camera is for scanning checkpoint QR codes; nothing else is ever needed
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

HSTS = "max-age=31536000; includeSubDomains"

# an executable inline script: no src, and no type or a JavaScript one (JSON data blocks
# such as Material's `<script id="__config" type="application/json">` never run)
INLINE_SCRIPT = re.compile(
    rb"<script(?![^>]*\bsrc\s*=)((?:\s[^>]*)?)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL
)
SCRIPT_TYPE = re.compile(rb"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
JS_TYPES = {b"", b"text/javascript", b"module", b"application/javascript"}


def policy(script_hashes: list[str] | tuple[str, ...] = ()) -> str:
    directives = dict(CSP)
    if script_hashes:
        directives["script-src"] += "".join(f" '{h}'" for h in script_hashes)
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP source expressions for every executable inline script of a page, in order."""
    hashes = []
    for match in INLINE_SCRIPT.finditer(html):
        kind = SCRIPT_TYPE.search(match.group(1))
        if (kind.group(1).lower() if kind else b"") not in JS_TYPES:
            continue
        digest = base64.b64encode(hashlib.sha256(match.group(2)).digest()).decode()
        source = f"sha256-{digest}"
        if source not in hashes:
            hashes.append(source)
    return hashes


def _handbook_hashes(response: Response) -> list[str]:
    if (
        request.endpoint != "handbook.page"
        or response.mimetype != "text/html"
        or response.status_code != 200
    ):
        return []
    if response.headers.get("Content-Encoding") == "gzip":  # pwa/compress.py: in memory
        return inline_script_hashes(gzip.decompress(response.get_data()))
    # send_from_directory streams the file; a page is small: read it, close the file, hash
    body = response.response
    data = b"".join(body)
    if hasattr(body, "close"):
        body.close()
    response.direct_passthrough = False
    response.set_data(data)
    return inline_script_hashes(data)


def add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    # a 304 updates the cached page's headers: a policy without its hashes would break it
    if response.status_code != 304:
        response.headers["Content-Security-Policy"] = policy(_handbook_hashes(response))
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
