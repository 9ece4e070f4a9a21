"""The grading engine (teacher side): a batch of sandboxed workers with kernels forked from a warm
zygote, the trusted rebuild of each copy, checks run in the grader's own process on values the
kernel exported as data, nbgrader's own steps, and the one writer to the gradebook.

May import ``parcours.data`` and ``parcours.notebook``; never ``parcours.term``.
"""
