"""Pictures of a replay and of a campaign: ``rpfuzz replay --html`` and ``rpfuzz run --html``.

``figures`` follows a replay step by step: after each step it reads the
headline figures (rETH rate, supply, collateral, deposit pool balance, each
minipool's ETH balance and status) from the chain and the model's predicted
values for the same figures, and names the first step after which the two
disagree (:func:`~harness.report.figures.first_divergence`): often an earlier
step than the one whose invariant fired. ``plots`` draws figures with
matplotlib as inline SVG (imported only when a page is written); ``page``
holds the page's CSS and HTML helpers; ``replay_page`` and ``campaign_page``
assemble the two self-contained pages (no script, font or image is fetched).

May import ``harness.replay`` and everything below it (the replay's results,
its display helpers, the model); never ``harness.run``, ``harness.bugzoo``,
``harness.mutate`` or ``harness.cli``: a campaign page reads the campaign's
JSON document, not its objects.
"""
