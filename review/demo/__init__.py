"""The review app's demo step (core.demo runs ``demo_setup`` of every app's ``demo`` module).

- work.py: the review workflow on the demo project's built-in sessions and pairs (sessions.yaml).
- agreement.py: agreement figures and an imported judge on top of that work.
"""

from review.demo.work import demo_setup

__all__ = ["demo_setup"]
