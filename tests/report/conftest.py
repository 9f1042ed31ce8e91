"""The report pages (``harness.report``): ``rpfuzz replay --html`` and ``rpfuzz run --html``.

``test_campaign_page.py`` draws a canned campaign document; ``test_replay_page.py``
replays a small planted failure whose state goes wrong two steps before an
invariant fires. Both open their page in headless chromium (``browser.py``).
"""
