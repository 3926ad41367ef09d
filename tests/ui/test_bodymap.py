"""The body-map geometry: complete, inside its box, key points inside their dermatomes."""

from __future__ import annotations

import json

import pytest

from desktop_app.bodymap import (
    DERMATOMES,
    SIDES,
    BodyMapError,
    load_bodymap,
    point_in_polygon,
)
from desktop_app.domain.scales import KEY_SENSORY_POINTS
from desktop_app.paths import resource_path


def test_every_dermatome_is_drawn_on_both_legs_in_both_views():
    body = load_bodymap()
    for view in ("front", "back"):
        for side in SIDES:
            for dermatome in DERMATOMES:
                assert body.region(view, side, dermatome).polygons


def test_key_points_carry_the_protocol_words_and_sit_in_their_dermatome():
    body = load_bodymap()
    for side in SIDES:
        for dermatome, words in KEY_SENSORY_POINTS.items():
            key = body.key_point(side, dermatome)
            assert key.words == words
            assert body.region_at(key.view, *key.point).dermatome == dermatome


def test_front_view_shows_the_right_leg_on_the_viewers_left():
    body = load_bodymap()
    right = body.key_point("right", "L2").point
    left = body.key_point("left", "L2").point
    assert right[0] < 0.5 < left[0]


def test_regions_of_one_view_do_not_overlap_at_their_labels():
    body = load_bodymap()
    for region in body.regions:
        hits = [r for r in body.regions_in(region.view) if r.contains(*region.label)]
        assert hits == [region]


def test_point_in_polygon():
    square = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
    assert point_in_polygon(0.5, 0.5, square)
    assert not point_in_polygon(1.5, 0.5, square)


def test_a_missing_region_is_refused(tmp_path):
    data = json.loads(resource_path("bodymap.json").read_text(encoding="utf-8"))
    data["regions"] = [r for r in data["regions"] if r["dermatome"] != "L4"]
    path = tmp_path / "bodymap.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BodyMapError, match="L4"):
        load_bodymap(path)


def test_a_point_outside_the_box_is_refused(tmp_path):
    data = json.loads(resource_path("bodymap.json").read_text(encoding="utf-8"))
    data["outlines"][0]["polygon"][0] = [1.5, 0.2]
    path = tmp_path / "bodymap.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BodyMapError, match="outside the view box"):
        load_bodymap(path)
