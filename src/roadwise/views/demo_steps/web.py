"""Demo step: how to open the web app on the sample workspace (prints only; starts no server)."""

from __future__ import annotations

import shlex

from roadwise.views.demo import DemoContext, step


@step("Open it in the browser")
def web(ctx: DemoContext) -> None:
    db = shlex.quote(str(ctx.db_url))
    ctx.console.print(
        "The whole team can use this workspace in a browser: add an account, then start the "
        "server and open http://127.0.0.1:8000 (API schema at /openapi.json).",
        highlight=False,
    )
    ctx.console.print(f"  roadwise user add tpm --role admin --db {db}", highlight=False)
    ctx.console.print(f"  roadwise serve --db {db}", highlight=False)
    ctx.console.print(
        f"Viewers read, editors change; `roadwise token create --user tpm --db {db}` gives "
        "scripts an API token. See docs/web.md.",
        highlight=False,
    )
