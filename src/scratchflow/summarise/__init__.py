"""Experiment summary and HTML report (the last step of the pipeline).

Modules: ``collect`` (find a run's files by name), ``tables`` (read and check the per-mouse
files), ``experiment`` (join results with metadata, failed mice), ``stats`` (per-group
statistics), ``figures`` (matplotlib, Agg), ``page`` (the self-contained HTML), ``build``
(the report's data), ``step`` (the ``scratchflow summarise`` step) and ``files`` (the names of
what it writes). Other steps' files are read through their contract modules (``crop.record``,
``quantify.files``, ``clips.files``).
"""
