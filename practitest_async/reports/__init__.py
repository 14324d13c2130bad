"""Test reports in, :class:`~practitest_async.RunResult` out: every format CI writes.

One module per format (``junit``, ``testng``, ``nunit``, ``xunit``, ``trx``, ``robot``,
``cucumber``, ``ctrf``, ``xray_json``), each streaming; :mod:`.detect` tells them apart by
content. Work in progress: see the package's modules for what is wired in.
"""

from ._base import Head, ReaderOptions, ReportError, key_path, result_key

__all__ = ["Head", "ReaderOptions", "ReportError", "key_path", "result_key"]
