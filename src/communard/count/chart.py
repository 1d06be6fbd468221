"""A chart of the stages of a count, drawn with matplotlib (imported only when a chart is asked for,
so counting never pays for it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from communard.count.result import Result


def draw_chart(result: Result, path: str) -> None:
    """Save a grouped bar chart (candidates' totals, stage by stage, quota line) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stages = result.stages
    n = len(result.candidates)
    fig_w = max(6.0, 0.9 * n + 2)
    fig, ax = plt.subplots(figsize=(fig_w, 4.5))
    width = 0.8 / max(len(stages), 1)
    cmap = plt.get_cmap("viridis", max(len(stages), 2))
    for k, s in enumerate(stages):
        xs = [c + (k - (len(stages) - 1) / 2) * width for c in range(n)]
        ys = [float(result.votes(t)) for t in s.totals]
        ax.bar(xs, ys, width=width, color=cmap(k), label=f"stage {s.number}")
    if result.quota is not None:
        ax.axhline(
            float(result.votes(result.quota)),
            color="crimson",
            linestyle="--",
            linewidth=1,
            label="quota",
        )
    labels = [
        ("★ " if c in result.winners else "") + name for c, name in enumerate(result.candidates)
    ]
    ax.set_xticks(range(n))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("votes")
    ax.set_title(result.title or f"{result.method} count")
    if len(stages) <= 16:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
