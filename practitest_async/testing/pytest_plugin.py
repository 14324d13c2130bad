"""pytest fixtures for the PractiTest emulator (filled in by the emulator work)."""
