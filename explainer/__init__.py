"""Orchestration of the RNN explainer: config loading, engine runs, clips, output and batches.

Nothing here draws; ``scenes/`` draws and ``rnn_engine/`` computes. Importing this
package is cheap on purpose: submodules are imported by whoever needs them.
"""
