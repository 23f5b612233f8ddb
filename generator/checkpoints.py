"""The site's checkpoints and the routes that visit them: one code per physical place, and
every code a route names defined at the route's site.

`references` calls these with a function that records a problem at a `loc` of the document
being checked.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.models import Patrol, Site, checkpoint_index

Report = Callable[[tuple, str], None]


def check_site(site: Site, error: Report) -> None:
    """Each checkpoint's area is its property's; a code (current or replaced) is used once in
    the handbook; a place (its name in its area) has one code."""
    claimed: dict[str, str] = {}  # code -> the checkpoint that has it, in words
    places: dict[tuple[str, str, str], str] = {}  # (property, area, name) -> its code
    for p, prop in enumerate(site.properties):
        areas = {a.id for a in prop.areas}
        for c, checkpoint in enumerate(prop.checkpoints):
            loc = ("properties", p, "checkpoints", c)
            if checkpoint.area not in areas:
                error(
                    (*loc, "area"),
                    f'area "{checkpoint.area}" is not defined for site(s) {prop.id}',
                )
            owner = f"{checkpoint.name} ({prop.id})"
            codes = [((*loc, "code"), checkpoint.code)]
            codes += [((*loc, "replaces", r), code) for r, code in enumerate(checkpoint.replaces)]
            for code_loc, code in codes:
                if code in claimed:
                    error(code_loc, f'checkpoint code "{code}" is already used by {claimed[code]}')
                claimed.setdefault(code, owner)
            place = (prop.id, checkpoint.area, checkpoint.name.strip())
            if place in places:
                error(
                    (*loc, "name"),
                    f'"{checkpoint.name}" in area {checkpoint.area} already has the code '
                    f'"{places[place]}"; one place has one code: keep that one and list '
                    f'"{checkpoint.code}" under its replaces',
                )
            places.setdefault(place, checkpoint.code)


def check_route(patrol: Patrol, site: Site, error: Report) -> None:
    """Each stop names a current checkpoint of the route's own site, once."""
    index = checkpoint_index(site)
    prop = next(p for p in site.properties if p.id == patrol.site)
    seen: dict[str, int] = {}
    for i, stop in enumerate(patrol.checkpoints):
        loc = ("checkpoints", i, "code")
        found = index.get(stop.code)
        if found is None:
            known = ", ".join(c.code for c in prop.checkpoints) or "none defined"
            error(loc, f'unknown checkpoint "{stop.code}" at site {prop.id} (known: {known})')
            continue
        owner, checkpoint = found
        if owner.id != prop.id:
            error(loc, f'checkpoint "{stop.code}" is at site {owner.id}, not {prop.id}')
        elif checkpoint.code != stop.code:
            error(
                loc,
                f'checkpoint code "{stop.code}" was replaced by "{checkpoint.code}"; '
                "name the checkpoint by its code",
            )
        elif checkpoint.code in seen:
            error(
                loc,
                f'checkpoint "{stop.code}" is already on this route '
                f"(checkpoints.{seen[checkpoint.code]})",
            )
        seen.setdefault(checkpoint.code, i)
