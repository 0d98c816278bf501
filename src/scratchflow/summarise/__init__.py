"""Experiment summary, HTML report and review clips (the last step of the pipeline).

Modules: ``collect`` (find a run's files by name), ``tables`` (read and check the per-mouse
files), ``experiment`` (join results with metadata, failed mice), ``stats`` (per-group
statistics), ``figures`` (matplotlib, Agg), ``page`` (the self-contained HTML), ``summarise``
(the ``scratchflow summarise`` step), ``clips`` and ``overlay`` (``scratchflow clips``) and
``screenshot`` (render a report to PNG with headless Chromium). This package reads other
steps' outputs as files and uses only public helpers (``outputs``, ``pose_io``, ``ffmpeg``).
"""
