"""Per-frame behaviour classes (drink, eat, groom, hang, mm, rear, rest, walk; optionally
scratch) from video, as DeepEthoProfile labels them: train on a lab's annotated videos,
evaluate leave-one-video-out, classify new videos (docs/behaviour.md).

``settings`` (what a model is made with), ``annotations`` (DeepEthoProfile and interval CSVs,
read and written), ``files`` (every output's name), ``frames`` (decoding), ``pixel_model`` and
``pose_model`` (the two classifiers), ``model_dir`` (a trained model on disk), ``tables``
(time budgets and bouts), ``train``, ``evaluate`` and ``classify`` (the three commands).
"""
