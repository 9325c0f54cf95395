"""What the metrics share and are built from (encoders, device, aggregates, judges' plumbing); no metric here."""
