"""`make bench`: latency and throughput of the services, with ratios to bare baselines run alongside."""
