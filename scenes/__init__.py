"""Manim scenes of the RNN explainer.

Importing this package does not import Manim, so ``validate`` and ``trace`` stay fast.
Which class draws which ``scene:`` is the scene registry's business
(:mod:`explainer.scene_kinds`); a scene is built from one :class:`scenes.inputs.SceneSpec`::

    from explainer.runs import build_spec
    from explainer.scene_kinds import get_scene_kind

    spec = build_spec(config)
    scene = get_scene_kind(spec.scene).load_class(spec.cell)(spec)   # inside manim.tempconfig({...})
    scene.render()

Every scene derives from :class:`scenes.base.ExplainerScene`; the screen grid and the
header row are in :mod:`scenes.layout`; reusable drawing pieces in :mod:`scenes.components`.
"""
