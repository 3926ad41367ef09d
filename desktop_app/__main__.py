"""`python -m desktop_app`: the GUI with no command, a headless command otherwise."""

import sys

from desktop_app.cli import main

sys.exit(main())
