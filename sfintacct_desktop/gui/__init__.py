"""gui layer of sfintacct-desktop: PySide6 widgets over ``app/gui_support`` (see docs/architecture.md)."""
