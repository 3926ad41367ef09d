"""The serial view of an episode: its exams as a timeline (level changes and what got worse
or better since the exam before), and charts over time of the level, of each key muscle's
MRC grade and of the sensory totals, left and right.

Left and right differ by line style and marker shape as well as colour, and every point has
its value in words in the timeline beside the charts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PySide6.QtCharts import (
    QCategoryAxis,
    QChart,
    QChartView,
    QLegend,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlite_utils import Database

from desktop_app.domain import FLAG_WORDS, Level
from desktop_app.domain.model import PROCEDURE_KIND_WORDS, Exam
from desktop_app.domain.scales import (
    DERMATOMES,
    GRID_BY_PATH,
    LOWER_LIMB_MUSCLES,
    NT,
    SIDES,
    WRIST_MUSCLES,
)
from desktop_app.record.events import record_patient_view
from desktop_app.record.reads import episode_exams, episode_history, get_episode, get_patient, utc_text
from desktop_app.ui.dialogs import close_on_escape, fit_to_screen
from desktop_app.ui.theme import LEVEL_STYLES, level_style
from desktop_app.ui.ward.board import LevelDelegate
from desktop_app.ui.ward.changes import BETTER, SAME, WORSE, exam_grades, grade_change
from desktop_app.ui.widgets import heading, note_label

log = logging.getLogger(__name__)

SIDE_STYLES = {  # colour, line, marker, marker size
    "left": ("#1565c0", Qt.PenStyle.SolidLine, QScatterSeries.MarkerShape.MarkerShapeCircle),
    "right": ("#c62828", Qt.PenStyle.DashLine, QScatterSeries.MarkerShape.MarkerShapeRectangle),
}
MODALITY_WORDS = {"light_touch": "light touch", "pinprick": "pinprick"}
CHART_HEIGHT = 250
LEVELS = list(Level)


@dataclass(frozen=True)
class SerialExam:
    """One exam of the episode, as the serial view shows it."""

    at: datetime
    hours: float
    grades: dict[str, Any]
    level: str | None = None  # None: an earlier exam carried in a document, not assessed here
    rules: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    saved_by: str | None = None
    exam_id: int | None = None


@dataclass(frozen=True)
class SerialData:
    """What the serial view needs of an episode."""

    episode_id: int
    patient_name: str | None
    mrn: str
    procedure: dict[str, Any]
    procedure_at: datetime
    location: str | None
    exams: list[SerialExam] = field(default_factory=list)


def load_serial(db: Database, episode_id: int) -> SerialData:
    """Read an episode's exams (saved ones with their assessment, and earlier exams its
    documents carried), oldest first."""
    episode = get_episode(db, episode_id)
    patient = get_patient(db, episode.patient_id)
    saved = {utc_text(r.performed_at): r for r in episode_exams(db, episode_id)}
    exams = []
    for exam in episode_history(db, episode_id):
        at = datetime.fromisoformat(exam["performed_at"])
        record = saved.get(utc_text(at))
        hours = (at - episode.procedure_at).total_seconds() / 3600
        if record is None:
            exams.append(SerialExam(at, hours, exam_grades(exam)))
        else:
            result = record.assessment
            exams.append(SerialExam(at, hours, exam_grades(exam), record.level,
                                    tuple(result.get("rules", ())),
                                    tuple(result.get("flags", ())), record.saved_by,
                                    record.id))
    return SerialData(episode.id, patient.name, patient.mrn, episode.procedure,
                      episode.procedure_at, episode.location, exams)


# -- what changed between exams ------------------------------------------------------------

def level_change(previous: str | None, current: str | None) -> str:
    """'▲ up from NOTIFY', '▼ down from URGENT', or '' (same, or nothing to compare)."""
    if previous is None or current is None or previous == current:
        return ""
    before, now = Level(previous), Level(current)
    arrow, word = ("\u25b2", "up") if now > before else ("\u25bc", "down")
    return f"{arrow} {word} from {LEVEL_STYLES[before].word}"


def grade_changes(earlier: list[SerialExam], exam: SerialExam) -> list[tuple[str, str]]:
    """(direction, words) for every item that changed since it was last graded."""
    history = [Exam(performed_at=e.at, grades=e.grades) for e in earlier]
    found = []
    for path, value in exam.grades.items():
        change = grade_change(history, path, value)
        if change is None or change.direction == SAME:
            continue
        words = GRID_BY_PATH[path].words
        found.append((change.direction,
                      f"{words} {_value(change.previous)}\u2192{_value(change.current)}"))
    order = {WORSE: 0, BETTER: 2}
    return sorted(found, key=lambda item: order.get(item[0], 1))


def _value(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, str(value)) if isinstance(value, bool) \
        else str(value)


def sensory_total(grades: dict[str, Any], side: str, modality: str) -> int | None:
    """The sum of L2-S1 on one side (0-10); None unless all five were graded."""
    values = [grades.get(f"sensory.{d}.{side}.{modality}") for d in DERMATOMES]
    if any(v is None or v == NT for v in values):
        return None
    return sum(values)  # type: ignore[arg-type]


# -- the widgets ---------------------------------------------------------------------------

def _series_pair(chart: QChart, side: str, points: list[tuple[float, float]],
                 name: str) -> list[Any]:
    colour, line_style, shape = SIDE_STYLES[side]
    line = QLineSeries()
    line.setName(name)
    pen = QPen(QColor(colour), 2.5, line_style)
    line.setPen(pen)
    dots = QScatterSeries()
    dots.setName(name)
    dots.setMarkerShape(shape)
    dots.setMarkerSize(10 if shape == QScatterSeries.MarkerShape.MarkerShapeCircle else 9)
    dots.setColor(QColor(colour))
    dots.setBorderColor(QColor(colour))
    dots.setBrush(QBrush(QColor(colour)))
    for x, y in points:
        line.append(QPointF(x, y))
        dots.append(QPointF(x, y))
    chart.addSeries(line)
    chart.addSeries(dots)
    for marker in chart.legend().markers(line):  # the legend shows the point shapes
        marker.setVisible(False)
    return [line, dots]


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setBold(True)
    font.setPointSizeF(10)
    chart.setTitleFont(font)
    chart.setMargins(QMargins(4, 2, 4, 2))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.legend().setMarkerShape(QLegend.MarkerShape.MarkerShapeFromSeries)
    chart.setBackgroundRoundness(0)
    return chart


def time_scale(max_hours: float) -> tuple[float, float]:
    """(end, step) of the time axis: round hours, at most 8 steps, the last exam inside."""
    for step in (0.5, 1, 2, 3, 4, 6, 12, 24, 48, 96, 168, 336, 720):
        end = step * (int(max_hours / step) + 1)
        if end / step <= 8:
            return float(end), float(step)
    return float(max_hours), max_hours / 8


def _time_axis(chart: QChart, max_hours: float) -> QValueAxis:
    end, step = time_scale(max_hours)
    axis = QValueAxis()
    axis.setRange(0, end)
    axis.setTickType(QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(0)
    axis.setTickInterval(step)
    axis.setTitleText("hours since the procedure")
    axis.setLabelFormat("%.1f" if step < 1 else "%.0f")
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    return axis


class SerialView(QWidget):
    """Timeline and trend charts of one episode (a window of its own)."""

    def __init__(self, data: SerialData, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("serial")
        self.setAccessibleName("Serial view of the episode")
        self.setWindowTitle("Serial view \u2014 NeuroCheck")
        close_on_escape(self)
        self.data = data
        self.charts: dict[str, QChartView] = {}
        outer = QVBoxLayout(self)
        kind = PROCEDURE_KIND_WORDS.get(data.procedure.get("kind", ""), "procedure")
        site = data.procedure.get("site") or ", ".join(data.procedure.get("levels") or [])
        side = data.procedure.get("side")
        details = " \u00b7 ".join(p for p in (kind, site.replace("_", " "), side) if p)
        local = data.procedure_at.astimezone().strftime("%d %b %Y %H:%M")
        self.header = heading(f"{data.patient_name or 'Name not recorded'} \u00b7 MRN "
                              f"{data.mrn} \u00b7 {data.location or 'no bed'}")
        self.header.setObjectName("serial.header")
        outer.addWidget(self.header)
        procedure = note_label(f"{details}, {local}. {len(data.exams)} exam"
                               f"{'s' if len(data.exams) != 1 else ''}.")
        procedure.setObjectName("serial.procedure")
        outer.addWidget(procedure)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.timeline = self._timeline()
        splitter.addWidget(self.timeline)
        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(4)
        for index, (key, view) in enumerate(self._chart_views()):
            self.charts[key] = view
            grid.addWidget(view, index // 2, index % 2)
        scroll = QScrollArea()
        scroll.setObjectName("serial.charts")
        scroll.setAccessibleName("Trend charts")
        scroll.setWidgetResizable(True)
        scroll.setWidget(charts)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 6)
        splitter.setSizes([600, 720])
        outer.addWidget(splitter, 1)
        outer.addWidget(note_label(
            "Left: blue solid line, round points. Right: red dashed line, square points. "
            "An item not tested (NT) leaves no point; the line joins the grades found."))

    # the timeline ----------------------------------------------------------------------
    def _timeline(self) -> QTableWidget:
        exams = self.data.exams
        table = QTableWidget(len(exams), 4)
        table.setObjectName("serial.timeline")
        table.setAccessibleName("Exams of the episode, oldest first")
        table.setHorizontalHeaderLabels(["When", "Level", "Changed since the exam before",
                                         "Rules · flags"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(True)
        bold = QFont(table.font())
        bold.setBold(True)
        previous_level: str | None = None
        for row, exam in enumerate(exams):
            when = QTableWidgetItem(f"{exam.at.astimezone().strftime('%d %b %H:%M')}\n"
                                    f"t = {exam.hours:.1f} h")
            table.setItem(row, 0, when)
            style = level_style(Level(exam.level) if exam.level else None)
            moved = level_change(previous_level, exam.level)
            level = QTableWidgetItem(f"{style.symbol} {style.word}" + (f"\n{moved}" if moved
                                                                         else ""))
            level.setBackground(QColor(style.background))
            level.setForeground(QColor(style.foreground))
            level.setFont(bold)
            level.setData(Qt.ItemDataRole.AccessibleTextRole,
                          f"Level {style.word.lower()}" + (f", {moved}" if moved else ""))
            if exam.level is None:
                level.setToolTip("An earlier exam carried in a document; it was not assessed "
                                 "on this workstation.")
            table.setItem(row, 1, level)
            changes = grade_changes(exams[:row], exam) if row else []
            lines = [f"{'▼' if d == WORSE else '▲' if d == BETTER else '◆'} {w}"
                     for d, w in changes]
            change = QTableWidgetItem("\n".join(lines) if lines else
                                      ("first exam" if row == 0 else "no change"))
            if any(d == WORSE for d, _ in changes):
                change.setFont(bold)
                change.setForeground(QColor("#b71c1c"))
            table.setItem(row, 2, change)
            flags = [FLAG_WORDS[f].split(":")[0] for f in exam.flags]
            rules = QTableWidgetItem("\n".join([", ".join(exam.rules), *flags]))
            table.setItem(row, 3, rules)
            if exam.level is not None:
                previous_level = exam.level
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(3, table.fontMetrics().horizontalAdvance("No mobilization ") + 16)
        header.sectionResized.connect(lambda *_: table.resizeRowsToContents())
        table.setStyleSheet("QTableWidget { selection-background-color: #bbdefb;"
                            " selection-color: #000000; }")
        table.setItemDelegateForColumn(1, LevelDelegate(table))
        table.resizeRowsToContents()
        return table

    # the charts ------------------------------------------------------------------------
    def _chart_views(self) -> list[tuple[str, QChartView]]:
        exams = self.data.exams
        max_hours = max((e.hours for e in exams), default=1.0)
        views = [("level", self._level_chart(max_hours))]
        muscles = [(m, f"{myotome} {words}") for m, (myotome, words) in
                   LOWER_LIMB_MUSCLES.items()]
        muscles += [(m, words) for m, words in WRIST_MUSCLES.items()
                    if any(f"motor.{m}.{s}" in e.grades for e in exams for s in SIDES)]
        for muscle, title in muscles:
            series = {side: [(e.hours, float(e.grades[f"motor.{muscle}.{side}"]))
                             for e in exams
                             if isinstance(e.grades.get(f"motor.{muscle}.{side}"), int)]
                      for side in SIDES}
            if not any(series.values()):
                continue
            views.append((f"motor.{muscle}", self._grade_chart(
                f"motor.{muscle}", f"{title[0].upper()}{title[1:]} (MRC)", series,
                max_hours, 5)))
        for modality, words in MODALITY_WORDS.items():
            series = {side: [(e.hours, float(total)) for e in exams
                             if (total := sensory_total(e.grades, side, modality)) is not None]
                      for side in SIDES}
            if any(series.values()):
                views.append((f"sensory.{modality}", self._grade_chart(
                    f"sensory.{modality}", f"Sensory total, {words} (L2\u2013S1, of 10)",
                    series, max_hours, 10)))
        return views

    def _view(self, chart: QChart, name: str) -> QChartView:
        view = QChartView(chart)
        view.setObjectName(f"serial.chart.{name}")
        view.setAccessibleName(chart.title())
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(CHART_HEIGHT)
        view.setMinimumWidth(300)
        return view

    def _grade_chart(self, key: str, title: str, series: dict[str, list[tuple[float, float]]],
                     max_hours: float, top: int) -> QChartView:
        chart = _chart(title)
        x_axis = _time_axis(chart, max_hours)
        y_axis = QCategoryAxis()  # a label on every grade, with room above and below
        y_axis.setRange(-0.5, top + 0.5)
        y_axis.setStartValue(-0.5)
        for grade in range(0, top + 1, 1 if top <= 5 else 2):
            y_axis.append(str(grade), grade)
        y_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        for side, points in series.items():
            for item in _series_pair(chart, side, points, side.capitalize()):
                item.attachAxis(x_axis)
                item.attachAxis(y_axis)
        return self._view(chart, key)

    def _level_chart(self, max_hours: float) -> QChartView:
        chart = _chart("Level")
        x_axis = _time_axis(chart, max_hours)
        y_axis = QCategoryAxis()
        y_axis.setRange(-0.5, len(LEVELS) - 0.5)
        for level in LEVELS:
            y_axis.append(LEVEL_STYLES[level].word.capitalize(), level.rank + 0.5)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        line = QLineSeries()
        line.setName("Level")
        line.setPen(QPen(QColor("#37474f"), 2))
        assessed = [e for e in self.data.exams if e.level is not None]
        for exam in assessed:
            line.append(QPointF(exam.hours, Level(exam.level).rank))
        chart.addSeries(line)
        line.attachAxis(x_axis)
        line.attachAxis(y_axis)
        for level in LEVELS:
            dots = QScatterSeries()
            style = LEVEL_STYLES[level]
            dots.setName(style.word.capitalize())
            dots.setMarkerSize(12)
            dots.setColor(QColor(style.background))
            dots.setBorderColor(QColor("#263238"))
            for exam in assessed:
                if exam.level == level.value:
                    dots.append(QPointF(exam.hours, level.rank))
            chart.addSeries(dots)
            dots.attachAxis(x_axis)
            dots.attachAxis(y_axis)
            for marker in chart.legend().markers(dots):
                marker.setVisible(False)
        chart.legend().setVisible(False)
        return self._view(chart, "level")


def open_serial_view(db: Database, episode_id: int, *, actor: str,
                     parent: QWidget | None = None) -> SerialView:
    """Audit the view of the patient, then show the episode's serial view in its own window."""
    record_patient_view(db, episode_id, actor=actor, via="serial_view")
    view = SerialView(load_serial(db, episode_id), parent)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    fit_to_screen(view, 1300, 720)
    view.show()
    return view
