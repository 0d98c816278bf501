"""Development and demo tools, not part of any pipeline step: synthetic pose data
(``synthetic_pose``), synthetic raw videos with real QR codes (``synthetic_video``), the
rendered demo arena (``synthetic_arena``), the open arena of colour-marked mice
(``synthetic_colony``) with identity errors injected (``identity_errors``) and scored
(``identity_score``), offline DeepLabCut training (``train``) and report
screenshots (``screenshot``). Tests, benchmarks and examples import them; no step does.
Some need the dev extra (segno for QR codes) or DeepLabCut.
"""
