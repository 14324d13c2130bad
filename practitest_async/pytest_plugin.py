"""pytest plugin that streams test results to PractiTest (off unless ``--practitest``)."""
