"""The body map: lower-limb dermatome geometry from `resources/bodymap.json`.

Pure Python (no Qt, no reportlab) so the on-screen map and the PDF note draw the same
shapes from the same data. Coordinates are fractions of a square view box: x to the right,
y downwards, both 0..1. Each view (`front`, `back`) shows both legs; `viewer_left_side`
says which of the patient's legs is drawn on the viewer's left.

    >>> body = load_bodymap()
    >>> body.region("front", "left", "L5").dermatome
    'L5'
    >>> body.key_point("left", "S1").words
    'lateral heel'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from desktop_app.paths import resource_path

FORMAT = "neurocheck-bodymap/1"
DERMATOMES = ("L2", "L3", "L4", "L5", "S1")
SIDES = ("left", "right")
VIEWS = ("front", "back")

Point = tuple[float, float]
Polygon = tuple[Point, ...]


class BodyMapError(ValueError):
    """The body-map file is missing a part or carries geometry outside its view box."""


@dataclass(frozen=True)
class View:
    """One drawing of both legs: `front` (anterior) or `back` (posterior)."""

    id: str
    title: str
    viewer_left_side: str


@dataclass(frozen=True)
class Region:
    """The area of one dermatome on one leg in one view (one or more polygons)."""

    view: str
    side: str
    dermatome: str
    polygons: tuple[Polygon, ...]
    label: Point

    def contains(self, x: float, y: float) -> bool:
        """True when the point (view-box fractions) lies inside this region."""
        return any(point_in_polygon(x, y, polygon) for polygon in self.polygons)


@dataclass(frozen=True)
class KeyPoint:
    """Where a dermatome is tested (ASIA key sensory point), with its name in words."""

    view: str
    side: str
    dermatome: str
    point: Point
    words: str


@dataclass(frozen=True)
class Outline:
    """The outline of one leg in one view."""

    view: str
    side: str
    polygon: Polygon


@dataclass(frozen=True)
class BodyMap:
    """Everything the map draws: views, leg outlines, dermatome regions, key points."""

    views: tuple[View, ...]
    outlines: tuple[Outline, ...]
    regions: tuple[Region, ...]
    key_points: tuple[KeyPoint, ...]

    def regions_in(self, view: str) -> tuple[Region, ...]:
        """The dermatome regions drawn in `view`, both legs."""
        return tuple(r for r in self.regions if r.view == view)

    def outlines_in(self, view: str) -> tuple[Outline, ...]:
        """The leg outlines of `view`."""
        return tuple(o for o in self.outlines if o.view == view)

    def key_points_in(self, view: str) -> tuple[KeyPoint, ...]:
        """The key sensory points that are drawn in `view`."""
        return tuple(k for k in self.key_points if k.view == view)

    def region(self, view: str, side: str, dermatome: str) -> Region:
        """The region of `dermatome` on the `side` leg in `view` (KeyError if absent)."""
        for r in self.regions:
            if (r.view, r.side, r.dermatome) == (view, side, dermatome):
                return r
        raise KeyError((view, side, dermatome))

    def region_at(self, view: str, x: float, y: float) -> Region | None:
        """The region under a point of `view` (view-box fractions), or None."""
        for r in self.regions_in(view):
            if r.contains(x, y):
                return r
        return None

    def key_point(self, side: str, dermatome: str) -> KeyPoint:
        """The key sensory point of `dermatome` on the `side` leg (KeyError if absent)."""
        for k in self.key_points:
            if (k.side, k.dermatome) == (side, dermatome):
                return k
        raise KeyError((side, dermatome))


def point_in_polygon(x: float, y: float, polygon: Polygon) -> bool:
    """Even-odd ray casting: True when (x, y) is inside `polygon` (closed implicitly)."""
    inside = False
    count = len(polygon)
    for index in range(count):
        x1, y1 = polygon[index]
        x2, y2 = polygon[(index + 1) % count]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def load_bodymap(path: str | Path | None = None) -> BodyMap:
    """Read and check a body-map file (default: the bundled `resources/bodymap.json`).

    The bundled file is read once and cached; raises `BodyMapError` when a view, an
    outline, a region or a key point of L2-S1 on either leg is missing or out of range.
    """
    if path is None:
        return _bundled()
    return _parse(json.loads(Path(path).read_text(encoding="utf-8")))


@cache
def _bundled() -> BodyMap:
    return _parse(json.loads(resource_path("bodymap.json").read_text(encoding="utf-8")))


def _point(raw: Any, where: str) -> Point:
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw)
    ):
        raise BodyMapError(f"{where}: a point is two numbers")
    x, y = float(raw[0]), float(raw[1])
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise BodyMapError(f"{where}: point {raw} lies outside the view box 0..1")
    return (x, y)


def _polygon(raw: Any, where: str) -> Polygon:
    if not isinstance(raw, list) or len(raw) < 3:
        raise BodyMapError(f"{where}: a polygon needs at least three points")
    return tuple(_point(p, where) for p in raw)


def _parse(data: dict[str, Any]) -> BodyMap:
    if data.get("format") != FORMAT:
        raise BodyMapError(f"format: expected {FORMAT!r}")
    try:
        views = tuple(View(v["id"], v["title"], v["viewer_left_side"]) for v in data["views"])
        outlines = tuple(
            Outline(o["view"], o["side"],
                    _polygon(o["polygon"], f"outline {o['view']} {o['side']}"))
            for o in data["outlines"]
        )
        regions = tuple(
            Region(
                r["view"],
                r["side"],
                r["dermatome"],
                tuple(_polygon(p, f"region {r['view']} {r['side']} {r['dermatome']}")
                      for p in r["polygons"]),
                _point(r["label"], f"label {r['view']} {r['side']} {r['dermatome']}"),
            )
            for r in data["regions"]
        )
        key_points = tuple(
            KeyPoint(k["view"], k["side"], k["dermatome"],
                     _point(k["point"], f"key point {k['side']} {k['dermatome']}"), k["words"])
            for k in data["key_points"]
        )
    except (KeyError, TypeError) as error:
        raise BodyMapError(f"missing or malformed part: {error}") from error
    body = BodyMap(views, outlines, regions, key_points)
    if tuple(v.id for v in views) != VIEWS:
        raise BodyMapError(f"views: expected {VIEWS}")
    for view in VIEWS:
        for side in SIDES:
            if not any(o.side == side for o in body.outlines_in(view)):
                raise BodyMapError(f"outline {view} {side}: missing")
            for dermatome in DERMATOMES:
                try:
                    body.region(view, side, dermatome)
                except KeyError:
                    raise BodyMapError(f"region {view} {side} {dermatome}: missing") from None
    for side in SIDES:
        for dermatome in DERMATOMES:
            try:
                key = body.key_point(side, dermatome)
            except KeyError:
                raise BodyMapError(f"key point {side} {dermatome}: missing") from None
            if not body.region(key.view, side, dermatome).contains(*key.point):
                raise BodyMapError(f"key point {side} {dermatome}: outside its dermatome")
    return body
