"""Industry packs: additions for one kind of business that plug into Stageflow's registries."""
