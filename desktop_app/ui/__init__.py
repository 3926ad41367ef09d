"""The PySide6 GUI: main window, exam wizard (one module per page), live panel, body map,
ward board and signing."""
