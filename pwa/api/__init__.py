"""The HTTP faces the phone app talks to: sync, blobs, the session, the bundle, OpenAPI."""
