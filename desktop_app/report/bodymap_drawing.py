"""The body map on the note: both legs front and back, each L2-S1 dermatome shaded by its
worst sensory grade, in patterns that survive black-and-white printing (grey alone would
not: absent is cross-hatched, altered is hatched, not tested is dotted)."""

from __future__ import annotations

from collections.abc import Mapping

from reportlab.lib.colors import Color, black, white
from reportlab.platypus import Flowable

from desktop_app.bodymap import BodyMap, Region, load_bodymap
from desktop_app.domain.scales import DERMATOMES, SENSORY_MODALITIES, SIDES
from desktop_app.report.fonts import SANS, SANS_BOLD

ALTERED_FILL = Color(0.80, 0.80, 0.80)
ABSENT_FILL = Color(0.55, 0.55, 0.55)
OUTLINE = Color(0.25, 0.25, 0.25)
DOT = Color(0.35, 0.35, 0.35)
SIDE_WORDS = {"left": "Left", "right": "Right"}

# shade key -> words of the legend
SHADE_WORDS = {
    2: "normal",
    1: "altered (hatched)",
    0: "absent (cross-hatched)",
    None: "not tested (dotted)",
}


def dermatome_grades(grade_of) -> dict[tuple[str, str], int | None]:
    """(side, dermatome) -> the worst tested sensory grade there, None when none was tested.

    `grade_of(path)` returns a grade or None (as `Exam.grade` does).
    """
    worst: dict[tuple[str, str], int | None] = {}
    for side in SIDES:
        for dermatome in DERMATOMES:
            tested = [
                grade
                for modality in SENSORY_MODALITIES
                if isinstance(grade := grade_of(f"sensory.{dermatome}.{side}.{modality}"), int)
            ]
            worst[(side, dermatome)] = min(tested) if tested else None
    return worst


class BodyMapFlowable(Flowable):
    """Front and back views side by side, with a legend underneath."""

    def __init__(
        self,
        grades: Mapping[tuple[str, str], int | None],
        width: float,
        body: BodyMap | None = None,
        font_size: float = 7.0,
    ) -> None:
        super().__init__()
        self.grades = dict(grades)
        self.body = body or load_bodymap()
        self.width = width
        self.font_size = font_size
        self.gap = 8.0
        self.view_size = (width - self.gap) / 2
        self.title_height = font_size + 4
        self.legend_height = 2 * (font_size + 3) + 2
        self.height = self.title_height + self.view_size + self.legend_height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        for index, view in enumerate(self.body.views):
            self._draw_view(view.id, view.title, index * (self.view_size + self.gap),
                            self.legend_height)
        self._draw_legend()

    # -- one view ------------------------------------------------------------------------

    def _point(self, x0: float, y0: float, x: float, y: float) -> tuple[float, float]:
        # The body map's y runs downwards; the PDF's upwards.
        return x0 + x * self.view_size, y0 + (1 - y) * self.view_size

    def _path(self, x0: float, y0: float, polygon):
        path = self.canv.beginPath()
        first, *rest = polygon
        path.moveTo(*self._point(x0, y0, *first))
        for point in rest:
            path.lineTo(*self._point(x0, y0, *point))
        path.close()
        return path

    def _draw_view(self, view: str, title: str, x0: float, y0: float) -> None:
        canvas = self.canv
        size = self.view_size
        canvas.setFillColor(black)
        canvas.setFont(SANS_BOLD, self.font_size + 0.5)
        canvas.drawCentredString(x0 + size / 2, y0 + size + 3, title)
        canvas.setFont(SANS, self.font_size - 0.5)
        for outline in self.body.outlines_in(view):
            xs = [p[0] for p in outline.polygon]
            centre = x0 + (min(xs) + max(xs)) / 2 * size
            canvas.drawCentredString(centre, y0 + size + 3, SIDE_WORDS[outline.side])
        regions = self.body.regions_in(view)
        for region in regions:
            grade = self.grades.get((region.side, region.dermatome))
            if grade == 2:
                continue
            for polygon in region.polygons:
                canvas.saveState()
                canvas.clipPath(self._path(x0, y0, polygon), stroke=0, fill=0)
                # Pattern only the polygon's bounding box: the file stays small.
                xs = [x0 + p[0] * size for p in polygon]
                ys = [y0 + (1 - p[1]) * size for p in polygon]
                self._pattern(grade, min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
                canvas.restoreState()
        canvas.setStrokeColor(OUTLINE)
        canvas.setLineWidth(0.3)
        for region in regions:
            for polygon in region.polygons:
                canvas.drawPath(self._path(x0, y0, polygon), stroke=1, fill=0)
        canvas.setStrokeColor(black)
        canvas.setLineWidth(0.8)
        for outline in self.body.outlines_in(view):
            canvas.drawPath(self._path(x0, y0, outline.polygon), stroke=1, fill=0)
        taken = []
        for key in self.body.key_points_in(view):
            px, py = self._point(x0, y0, *key.point)
            self._key_point(px, py)
            taken.append((px - 2.5, py - 2.5, px + 2.5, py + 2.5))
        for region in regions:
            self._label(region, x0, y0, taken)

    def _key_point(self, x: float, y: float) -> None:
        canvas = self.canv
        canvas.setFillColor(white)
        canvas.setStrokeColor(black)
        canvas.setLineWidth(0.5)
        canvas.circle(x, y, 1.8, stroke=1, fill=1)
        canvas.setFillColor(black)
        canvas.circle(x, y, 0.8, stroke=0, fill=1)

    def _pattern(self, grade: int | None, x: float, y: float, width: float,
                 height: float) -> None:
        """Fill the current clip with the pattern of `grade` (None: not tested)."""
        canvas = self.canv
        if grade in (0, 1):
            canvas.setFillColor(ABSENT_FILL if grade == 0 else ALTERED_FILL)
            canvas.rect(x, y, width, height, stroke=0, fill=1)
            canvas.setStrokeColor(black)
            canvas.setLineWidth(0.45)
            step = 2.6
            offset = -height
            while offset < width:
                canvas.line(x + offset, y, x + offset + height, y + height)
                if grade == 0:
                    canvas.line(x + offset, y + height, x + offset + height, y)
                offset += step
        elif grade is None:
            canvas.setFillColor(DOT)
            step, dot = 2.8, 0.6
            row = 0
            yy = y + step / 2
            while yy < y + height:
                xx = x + step / 2 + (step / 2 if row % 2 else 0)
                while xx < x + width:
                    canvas.rect(xx - dot / 2, yy - dot / 2, dot, dot, stroke=0, fill=1)
                    xx += step
                yy += step
                row += 1

    def _label(self, region: Region, x0: float, y0: float, taken: list) -> None:
        """The dermatome's name at its label point, moved up or down off other labels."""
        canvas = self.canv
        grade = self.grades.get((region.side, region.dermatome))
        font = SANS_BOLD if grade in (0, 1) else SANS
        size = self.font_size - 1
        width = canvas.stringWidth(region.dermatome, font, size) + 2
        height = size + 1.2
        px, py = self._point(x0, y0, *region.label)
        for shift in (0, 4, -4, 8, -8, 12, -12):
            box = (px - width / 2, py - 2 + shift, px + width / 2, py - 2 + shift + height)
            if not any(_overlap(box, other) for other in taken):
                break
        taken.append(box)
        # A white patch behind the label keeps it readable on a hatched region.
        canvas.setFillColor(white)
        canvas.rect(box[0], box[1], width, height, stroke=0, fill=1)
        canvas.setFillColor(black)
        canvas.setFont(font, size)
        canvas.drawCentredString(px, box[1] + 1.1, region.dermatome)

    # -- legend --------------------------------------------------------------------------

    def _draw_legend(self) -> None:
        canvas = self.canv
        size = self.font_size
        box = size + 1
        row_height = size + 3.5
        entries = [*SHADE_WORDS.items(), ("key", "key sensory point")]
        x, y = 0.0, self.legend_height - row_height
        canvas.setFont(SANS, size)
        for key, words in entries:
            needed = box + 3 + canvas.stringWidth(words, SANS, size) + 9
            if x + needed > self.width:
                x, y = 0.0, y - row_height
            if key == "key":
                self._key_point(x + box / 2, y + box / 2)
            else:
                canvas.saveState()
                path = canvas.beginPath()
                path.rect(x, y, box, box)
                canvas.clipPath(path, stroke=0, fill=0)
                self._pattern(key, x, y, box, box)
                canvas.restoreState()
                canvas.setStrokeColor(black)
                canvas.setLineWidth(0.5)
                canvas.rect(x, y, box, box, stroke=1, fill=0)
            canvas.setFillColor(black)
            canvas.drawString(x + box + 3, y + 1.5, words)
            x += needed


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
