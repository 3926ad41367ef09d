"""The body map beside the sensory grid: both legs, front and back, L2-S1 regions drawn
from `resources/bodymap.json` and filled by the grades as they are entered.

A fill is never the only sign: absent and altered are hatched differently, and every region
carries its dermatome name; the grid beside it holds the grades as numbers. Hovering names
the dermatome's key sensory point; clicking a region asks the page to select its cells.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from desktop_app.bodymap import BodyMap, Region, load_bodymap
from desktop_app.domain.scales import NT, SENSORY_GRADES
from desktop_app.ui.theme import GRADE_FILLS, SELECTED_OUTLINE, UNGRADED_FILL

TITLE_HEIGHT = 22
LEGEND_ROW = 24
GAP = 16
HATCHES = {
    1: Qt.BrushStyle.BDiagPattern,
    0: Qt.BrushStyle.DiagCrossPattern,
    NT: Qt.BrushStyle.Dense6Pattern,
}
LEGEND = ((2, "2 normal"), (1, "1 altered"), (0, "0 absent"), (NT, "NT"), (None, "not entered"))


def worse_grade(light_touch: object, pinprick: object) -> object:
    """The grade a region is filled with: the lower number, else NT, else None."""
    numbers = [g for g in (light_touch, pinprick) if isinstance(g, int) and not isinstance(g, bool)]
    if numbers:
        return min(numbers)
    if NT in (light_touch, pinprick):
        return NT
    return None


def _grade_text(value: object) -> str:
    if value is None:
        return "not entered"
    return f"{value} ({SENSORY_GRADES[value]})"


class BodyMapView(QWidget):
    """Front and back views of both legs, coloured by the sensory grades."""

    regionClicked = Signal(str, str)  # side, dermatome

    def __init__(self, body: BodyMap | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sensory.bodymap")
        self.setAccessibleName("Body map of the legs, front and back")
        self.body = body or load_bodymap()
        self.grades: dict[tuple[str, str], tuple[object, object]] = {}
        self.selected: tuple[str, str] | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 240)
        self._paths = {
            (r.view, r.side, r.dermatome): _path(r.polygons) for r in self.body.regions
        }
        self._outlines = [(o.view, _path((o.polygon,))) for o in self.body.outlines]
        self._describe()

    # content ---------------------------------------------------------------------------
    def set_grades(self, grades: dict[tuple[str, str], tuple[object, object]]) -> None:
        """(side, dermatome) -> (light touch, pinprick), each a grade, "NT" or None."""
        if grades != self.grades:
            self.grades = dict(grades)
            self._describe()
            self.update()

    def set_selected(self, side: str | None, dermatome: str | None = None) -> None:
        selected = (side, dermatome) if side and dermatome else None
        if selected != self.selected:
            self.selected = selected
            self.update()

    def _describe(self) -> None:
        abnormal = []
        for (side, dermatome), (lt, pp) in sorted(self.grades.items()):
            worse = worse_grade(lt, pp)
            if worse in (0, 1):
                abnormal.append(f"{side} {dermatome} {SENSORY_GRADES[worse]}")
        self.setAccessibleDescription(
            "Abnormal: " + ", ".join(abnormal) if abnormal else "No abnormal sensory grade"
        )

    def region_text(self, region: Region) -> str:
        """What hovering over a region says: its key sensory point and its grades."""
        key = self.body.key_point(region.side, region.dermatome)
        lt, pp = self.grades.get((region.side, region.dermatome), (None, None))
        return (
            f"{region.side.capitalize()} {region.dermatome}: key sensory point "
            f"{key.words}\nLight touch {_grade_text(lt)}, pinprick {_grade_text(pp)}"
            "\nClick to select its cells in the grid"
        )

    # geometry --------------------------------------------------------------------------
    def sizeHint(self) -> QSize:  # noqa: N802 (Qt naming)
        return QSize(460, 300)

    def _boxes(self) -> dict[str, QRectF]:
        """One square box per view: side by side when the widget is wide, else stacked."""
        legend = LEGEND_ROW * len(self._legend_rows(self.fontMetrics()))
        width, height = self.width(), self.height() - legend
        beside = min((width - GAP) / 2, height - TITLE_HEIGHT)
        stacked = min(width, (height - 2 * TITLE_HEIGHT - GAP) / 2)
        boxes = {}
        if beside >= stacked:
            size = max(beside, 10.0)
            left = (width - (2 * size + GAP)) / 2
            for index, view in enumerate(self.body.views):
                boxes[view.id] = QRectF(left + index * (size + GAP), TITLE_HEIGHT, size, size)
        else:
            size = max(stacked, 10.0)
            left = (width - size) / 2
            for index, view in enumerate(self.body.views):
                top = TITLE_HEIGHT + index * (size + TITLE_HEIGHT + GAP)
                boxes[view.id] = QRectF(left, top, size, size)
        return boxes

    def region_at(self, point: QPointF) -> Region | None:
        for view, box in self._boxes().items():
            if box.contains(point):
                x = (point.x() - box.left()) / box.width()
                y = (point.y() - box.top()) / box.height()
                return self.body.region_at(view, x, y)
        return None

    # painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt naming)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        for view in self.body.views:
            box = self._boxes()[view.id]
            painter.save()
            painter.setPen(QColor("#263238"))
            title = QRectF(box.left(), box.top() - TITLE_HEIGHT, box.width(), TITLE_HEIGHT)
            painter.drawText(title, Qt.AlignmentFlag.AlignCenter, view.title)
            # which leg is which, at the top corners of the box
            other = "left" if view.viewer_left_side == "right" else "right"
            painter.setFont(small)
            painter.drawText(QRectF(box.left(), title.top(), 40, TITLE_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter, view.viewer_left_side.capitalize())
            painter.drawText(QRectF(box.right() - 40, title.top(), 40, TITLE_HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             other.capitalize())
            to_box = QTransform.fromTranslate(box.left(), box.top()).scale(box.width(),
                                                                            box.height())
            thin = QPen(QColor("#546e7a"), 1)
            for region in self.body.regions_in(view.id):
                path = to_box.map(self._paths[(view.id, region.side, region.dermatome)])
                lt, pp = self.grades.get((region.side, region.dermatome), (None, None))
                grade = worse_grade(lt, pp)
                painter.setPen(thin)
                painter.setBrush(QColor(GRADE_FILLS.get(grade, UNGRADED_FILL)))
                painter.drawPath(path)
                if grade in HATCHES:
                    painter.setBrush(QBrush(QColor(0, 0, 0, 110), HATCHES[grade]))
                    painter.drawPath(path)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("#263238"), 1.5))
            for outline_view, path in self._outlines:
                if outline_view == view.id:
                    painter.drawPath(to_box.map(path))
            if self.selected is not None:
                side, dermatome = self.selected
                painter.setPen(QPen(QColor(SELECTED_OUTLINE), 3))
                painter.drawPath(to_box.map(self._paths[(view.id, side, dermatome)]))
            painter.restore()
            self._paint_labels(painter, view.id, box, small)
        self._paint_legend(painter, small)
        painter.end()

    def _paint_labels(self, painter: QPainter, view: str, box: QRectF, font: QFont) -> None:
        painter.save()
        painter.setFont(font)
        metrics = painter.fontMetrics()
        for region in self.body.regions_in(view):
            x = box.left() + region.label[0] * box.width()
            y = box.top() + region.label[1] * box.height()
            half = metrics.horizontalAdvance(region.dermatome) / 2 + 2
            rect = QRectF(x - half, y - metrics.height() / 2, 2 * half, metrics.height())
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(255, 255, 255, 210))
            painter.drawRoundedRect(rect, 3, 3)
            painter.setPen(QColor("#000000"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, region.dermatome)
        painter.setPen(QPen(QColor("#000000"), 1))
        painter.setBrush(QColor("#ffffff"))
        for key in self.body.key_points_in(view):
            x = box.left() + key.point[0] * box.width()
            y = box.top() + key.point[1] * box.height()
            painter.drawEllipse(QPointF(x, y), 3.5, 3.5)
        painter.restore()

    def _legend_rows(self, metrics) -> list[list[tuple[object, str, float]]]:
        """The legend's entries, wrapped into as many rows as the width needs."""
        rows: list[list[tuple[object, str, float]]] = [[]]
        used = 0.0
        for grade, text in LEGEND:
            width = 16 + 4 + metrics.horizontalAdvance(text) + 12
            if rows[-1] and used + width > self.width():
                rows.append([])
                used = 0.0
            rows[-1].append((grade, text, width))
            used += width
        return rows

    def _paint_legend(self, painter: QPainter, font: QFont) -> None:
        painter.save()
        painter.setFont(font)
        rows = self._legend_rows(painter.fontMetrics())
        y = self.height() - LEGEND_ROW * len(rows) + 4
        for row in rows:
            x = max(0.0, (self.width() - sum(w for _, _, w in row)) / 2)
            for grade, text, width in row:
                swatch = QRectF(x, y, 16, 16)
                painter.setPen(QPen(QColor("#546e7a"), 1))
                painter.setBrush(QColor(GRADE_FILLS.get(grade, UNGRADED_FILL)))
                painter.drawRect(swatch)
                if grade in HATCHES:
                    painter.setBrush(QBrush(QColor(0, 0, 0, 110), HATCHES[grade]))
                    painter.drawRect(swatch)
                painter.setPen(QColor("#263238"))
                painter.drawText(QRectF(x + 20, y - 2, width, 20), Qt.AlignmentFlag.AlignVCenter,
                                 text)
                x += width
            y += LEGEND_ROW
        painter.restore()

    # interaction -----------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            region = self.region_at(QPointF(event.pos()))
            if region is None:
                QToolTip.hideText()
                event.ignore()
            else:
                QToolTip.showText(event.globalPos(), self.region_text(region), self)
            return True
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        region = self.region_at(event.position())
        self.setCursor(Qt.CursorShape.PointingHandCursor if region else Qt.CursorShape.ArrowCursor)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt naming)
        region = self.region_at(event.position())
        if region is not None and event.button() == Qt.MouseButton.LeftButton:
            self.regionClicked.emit(region.side, region.dermatome)
            event.accept()
            return
        super().mousePressEvent(event)


def _path(polygons: tuple) -> QPainterPath:
    path = QPainterPath()
    for polygon in polygons:
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in polygon]))
        path.closeSubpath()
    return path
