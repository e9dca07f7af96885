"""Demo step: build the sample product, store it, and write it out as YAML."""

from __future__ import annotations

from roadwise.views.demo import DemoContext, step


@step("Sample workspace")
def build_sample(ctx: DemoContext) -> None:
    from roadwise.sample import generate_sample
    from roadwise.sources.yaml_file import write_workspace_yaml
    from roadwise.workspace import open_store

    ws = generate_sample(seed=ctx.seed)
    store = open_store(ctx.db_url)
    store.replace(ws)
    ctx.workspace = store.load()
    yaml_path = ctx.out_dir / "workspace.yaml"
    write_workspace_yaml(ctx.workspace, yaml_path)
    ctx.outputs.append(yaml_path)
    open_items = ctx.ws.open_items()
    ctx.console.print(
        f"{ctx.ws.name}: {len(ctx.ws.objectives)} objectives, {len(open_items)} open items, "
        f"{len(ctx.ws.teams)} teams, {len(ctx.ws.customers)} customers, "
        f"{len(ctx.ws.history)} delivered items, {len(ctx.ws.feedback)} feedback texts"
    )
