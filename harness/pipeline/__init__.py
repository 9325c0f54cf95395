"""One run: generation, scoring and their caches, resuming, timing, the composed config, merging shards."""
