"""The rules of the operation: what a record must say, when work falls due, what was missed,
how an exception is handled. No HTTP here: these modules read through `pwa.store`."""
