"""The sample product: Kitewire, a fictional B2B SaaS workflow and analytics platform.

``generate_sample(seed)`` builds a complete, coherent workspace (strategy, backlog, teams,
cycles, customers, two years of delivery history and customer feedback with ground truth)
that the demo, the tests and the documentation work on. Same seed, same workspace.
"""

from roadwise.sample.generator import DEFAULT_AS_OF, generate_sample

__all__ = ["DEFAULT_AS_OF", "generate_sample"]
