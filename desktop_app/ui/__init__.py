"""The PySide6 GUI: main window, exam wizard (one module per page), live panel, body map."""

from desktop_app.ui.qt_compat import make_singletons_immortal

make_singletons_immortal()
